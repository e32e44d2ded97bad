/**
 * The COMMAND cell. For a program run by an interpreter (`/usr/bin/python3 -m http.server 8000`,
 * `node /srv/api/server.js`, `bash deploy.sh`) the interpreter's path says least and comes first,
 * so a narrow column showed `/usr/bin/pyth…` for every Python service. The cell leads with what
 * tells them apart — the script's file name or the module, with their arguments — then the whole
 * command line after ` · `, so nothing is lost where the column is wide. Other commands show as
 * they are.
 */

/** Interpreter names (the executable's file name, version suffixes allowed: python3.12, ruby3.3). */
const INTERPRETER = /^(?:python[\d.]*|pypy[\d.]*|node(?:js)?|bun|deno|ruby[\d.]*|perl[\d.]*|php[\d.]*|bash|sh|dash|zsh|ksh|lua[\d.]*|Rscript|tclsh[\d.]*)$/;

/** Interpreter options that take the next word as their value, which is not the script. */
const OPTIONS_WITH_VALUE = new Set(['-W', '-X', '-Q', '-r', '--require', '-I', '-o', '-O', '--import', '--loader', '--experimental-loader', '-e']);

/** Separates the program's own part from the whole command line. */
export const COMMAND_SEPARATOR = ' · ';

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * What the program run by an interpreter is: `http.server 8000` for `python3 -m http.server 8000`,
 * `server.js --port 80` for `node /srv/api/server.js --port 80`; null when the command is no
 * interpreter or runs inline code (`-c`, `-e`) or nothing (an interactive shell).
 */
export function interpretedProgram(commandLine: string): string | null {
  const words = commandLine.split(' ').filter((word) => word !== '');
  const [executable] = words;
  if (executable === undefined || !INTERPRETER.test(fileName(executable))) return null;
  for (let at = 1; at < words.length; at++) {
    const word = words[at] ?? '';
    if (word === '-m') {
      const module = words.slice(at + 1);
      return module.length === 0 ? null : module.join(' ');
    }
    if (word === '-c' || word === '--eval' || word === '-p' || word === '--print') return null;
    if (word.startsWith('-')) {
      if (OPTIONS_WITH_VALUE.has(word)) at++;
      continue;
    }
    return [fileName(word), ...words.slice(at + 1)].join(' ');
  }
  return null;
}

/** The cell: `server.js --port 80 · node /srv/api/server.js --port 80`, or the command line as it is. */
export function commandCell(commandLine: string | null): string {
  if (commandLine === null) return '-';
  const program = interpretedProgram(commandLine);
  return program === null ? commandLine : `${program}${COMMAND_SEPARATOR}${commandLine}`;
}
