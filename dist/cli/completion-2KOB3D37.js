import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as r}from"./chunk-FCUXPMZL.js";import"./chunk-CSY4ACUO.js";var m=["bash","zsh","fish"];function u(o,t,e){o.command("completion").description("Print a shell completion script: keywarden completion bash >> ~/.bashrc (or zsh, fish).").addArgument(o.createArgument("<shell>","the shell").choices(m)).action(i=>{t.stdout.write(d(i,o)),e(r.ok)})}function d(o,t){let e=p(t,[]);if(o==="fish")return h(e);let i=l(e);return o==="zsh"?`#compdef keywarden
autoload -U +X bashcompinit && bashcompinit
${i}`:i}function p(o,t){let e=o.options.filter(n=>!n.hidden&&n.long).map(n=>({flag:n.long,description:n.description,choices:n.argChoices,takesValue:n.required||n.optional})),i=o.commands.filter(n=>n.name()!=="help");return[{path:t,description:o.description(),options:[...e,{flag:"--help",description:"show help",choices:void 0,takesValue:!1}],subcommands:i.map(n=>n.name())},...i.flatMap(n=>p(n,[...t,n.name()]))]}var c=o=>`'${o.replace(/'/g,"'\\''")}'`;function l(o){let t=o.map(e=>{let i=[...e.subcommands,...e.options.map(a=>a.flag)].join(" "),n=e.options.filter(a=>a.takesValue).map(a=>`      ${a.flag}) ${a.choices?`COMPREPLY=($(compgen -W ${c(a.choices.join(" "))} -- "$cur"))`:'COMPREPLY=($(compgen -f -- "$cur"))'}; return ;;`);return`    ${c(e.path.join(" "))})
      case "$prev" in
${n.join(`
`)}${n.length>0?`
`:""}      esac
      COMPREPLY=($(compgen -W ${c(i)} -- "$cur")); return ;;`});return`# keywarden completion for bash (keywarden completion bash)
_keywarden() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  local commands=${c(o.map(e=>e.path.join(" ")).filter(Boolean).join("|"))}
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
`}function h(o){let t=["# keywarden completion for fish (keywarden completion fish)","complete -c keywarden -f"];for(let e of o){let i=e.path.length===0?"__fish_use_subcommand":`__fish_seen_subcommand_from ${e.path.at(-1)}`;for(let s of e.subcommands){let n=o.find(a=>a.path.join(" ")===[...e.path,s].join(" "));t.push(`complete -c keywarden -n ${c(i)} -a ${s} -d ${c(n?.description??"")}`)}if(e.path.length!==0)for(let s of e.options){let n=s.takesValue?s.choices?` -x -a ${c(s.choices.join(" "))}`:" -r -F":"";t.push(`complete -c keywarden -n ${c(i)} -l ${s.flag.slice(2)}${n} -d ${c(s.description)}`)}}return`${t.join(`
`)}
`}export{m as SHELLS,d as completionScript,u as registerCompletion};
