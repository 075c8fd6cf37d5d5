import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import type { Io } from '../io.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** A command as completion sees it: its path from the program, its options (choices too), its subcommands. */
interface CommandShape {
  path: string[];
  description: string;
  options: {
    flag: string;
    description: string;
    choices: readonly string[] | undefined;
    takesValue: boolean;
  }[];
  subcommands: string[];
}

export function registerCompletion(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('completion')
    .description('Print a shell completion script: keywarden completion bash >> ~/.bashrc (or zsh, fish).')
    .addArgument(program.createArgument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      io.stdout.write(completionScript(shell, program));
      setExitCode(ExitCode.ok);
    });
}

/** The script for one shell, written from the program's own commands and options, so it never drifts. */
export function completionScript(shell: Shell, program: Command): string {
  const shapes = collect(program, []);
  if (shell === 'fish') return fishScript(shapes);
  const bash = bashScript(shapes);
  // zsh runs the bash function through its bash-completion layer.
  return shell === 'zsh' ? `#compdef keywarden\nautoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

function collect(command: Command, path: string[]): CommandShape[] {
  const options = command.options
    .flatMap((option) => (!option.hidden && option.long ? [{ option, flag: option.long }] : []))
    .map(({ option, flag }) => ({
      flag,
      description: option.description,
      choices: option.argChoices,
      takesValue: option.required || option.optional,
    }));
  const visible = command.commands.filter((sub) => sub.name() !== 'help');
  const self: CommandShape = {
    path,
    description: command.description(),
    options: [
      ...options,
      { flag: '--help', description: 'show help', choices: undefined, takesValue: false },
    ],
    subcommands: visible.map((sub) => sub.name()),
  };
  return [self, ...visible.flatMap((sub) => collect(sub, [...path, sub.name()]))];
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

function bashScript(shapes: CommandShape[]): string {
  const cases = shapes.map((shape) => {
    const words = [...shape.subcommands, ...shape.options.map((option) => option.flag)].join(' ');
    const valued = shape.options.filter((option) => option.takesValue);
    const values = valued.map(
      (option) =>
        `      ${option.flag}) ${option.choices ? `COMPREPLY=($(compgen -W ${quote(option.choices.join(' '))} -- "$cur"))` : 'COMPREPLY=($(compgen -f -- "$cur"))'}; return ;;`,
    );
    return `    ${quote(shape.path.join(' '))})\n      case "$prev" in\n${values.join('\n')}${values.length > 0 ? '\n' : ''}      esac\n      COMPREPLY=($(compgen -W ${quote(words)} -- "$cur")); return ;;`;
  });
  return `# keywarden completion for bash (keywarden completion bash)
_keywarden() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  local commands=${quote(
    shapes
      .map((shape) => shape.path.join(' '))
      .filter(Boolean)
      .join('|'),
  )}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "|$commands|" in *"|\${path:+$path }$word|"*) path="\${path:+$path }$word" ;; esac
  done
  case "$path" in
${cases.join('\n')}
  esac
}
complete -o default -F _keywarden keywarden
`;
}

function fishScript(shapes: CommandShape[]): string {
  const lines = ['# keywarden completion for fish (keywarden completion fish)', 'complete -c keywarden -f'];
  for (const shape of shapes) {
    const condition =
      shape.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${shape.path.at(-1)}`;
    for (const sub of shape.subcommands) {
      const subShape = shapes.find((other) => other.path.join(' ') === [...shape.path, sub].join(' '));
      lines.push(
        `complete -c keywarden -n ${quote(condition)} -a ${sub} -d ${quote(subShape?.description ?? '')}`,
      );
    }
    if (shape.path.length === 0) continue;
    for (const option of shape.options) {
      const value = option.takesValue
        ? option.choices
          ? ` -x -a ${quote(option.choices.join(' '))}`
          : ' -r -F'
        : '';
      lines.push(
        `complete -c keywarden -n ${quote(condition)} -l ${option.flag.slice(2)}${value} -d ${quote(option.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
