import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as r}from"./chunk-P2BGP6LI.js";import"./chunk-CSY4ACUO.js";var m=["bash","zsh","fish"];function u(o,t,n){o.command("completion").description("Print a shell completion script: keywarden completion bash >> ~/.bashrc (or zsh, fish).").addArgument(o.createArgument("<shell>","the shell").choices(m)).action(i=>{t.stdout.write(d(i,o)),n(r.ok)})}function d(o,t){let n=p(t,[]);if(o==="fish")return h(n);let i=l(n);return o==="zsh"?`#compdef keywarden
autoload -U +X bashcompinit && bashcompinit
${i}`:i}function p(o,t){let n=o.options.flatMap(e=>!e.hidden&&e.long?[{option:e,flag:e.long}]:[]).map(({option:e,flag:s})=>({flag:s,description:e.description,choices:e.argChoices,takesValue:e.required||e.optional})),i=o.commands.filter(e=>e.name()!=="help");return[{path:t,description:o.description(),options:[...n,{flag:"--help",description:"show help",choices:void 0,takesValue:!1}],subcommands:i.map(e=>e.name())},...i.flatMap(e=>p(e,[...t,e.name()]))]}var c=o=>`'${o.replace(/'/g,"'\\''")}'`;function l(o){let t=o.map(n=>{let i=[...n.subcommands,...n.options.map(s=>s.flag)].join(" "),e=n.options.filter(s=>s.takesValue).map(s=>`      ${s.flag}) ${s.choices?`COMPREPLY=($(compgen -W ${c(s.choices.join(" "))} -- "$cur"))`:'COMPREPLY=($(compgen -f -- "$cur"))'}; return ;;`);return`    ${c(n.path.join(" "))})
      case "$prev" in
${e.join(`
`)}${e.length>0?`
`:""}      esac
      COMPREPLY=($(compgen -W ${c(i)} -- "$cur")); return ;;`});return`# keywarden completion for bash (keywarden completion bash)
_keywarden() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  local commands=${c(o.map(n=>n.path.join(" ")).filter(Boolean).join("|"))}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "|$commands|" in *"|\${path:+$path }$word|"*) path="\${path:+$path }$word" ;; esac
  done
  case "$path" in
${t.join(`
`)}
  esac
}
complete -o default -F _keywarden keywarden
`}function h(o){let t=["# keywarden completion for fish (keywarden completion fish)","complete -c keywarden -f"];for(let n of o){let i=n.path.length===0?"__fish_use_subcommand":`__fish_seen_subcommand_from ${n.path.at(-1)}`;for(let a of n.subcommands){let e=o.find(s=>s.path.join(" ")===[...n.path,a].join(" "));t.push(`complete -c keywarden -n ${c(i)} -a ${a} -d ${c(e?.description??"")}`)}if(n.path.length!==0)for(let a of n.options){let e=a.takesValue?a.choices?` -x -a ${c(a.choices.join(" "))}`:" -r -F":"";t.push(`complete -c keywarden -n ${c(i)} -l ${a.flag.slice(2)}${e} -d ${c(a.description)}`)}}return`${t.join(`
`)}
`}export{m as SHELLS,d as completionScript,u as registerCompletion};
