/**
 * Stdout as the output of --json and --events. A reader that went away (EPIPE: `| head`) ends
 * the output quietly, exit 0; any other failure (a full disk, an I/O error) is one line and
 * exit 74. A stdout closed when netscope started (`>&-`) is refused before the capture: Node
 * opens /dev/null in its place, and everything would vanish there with exit 0.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { OutputWriteError } from './output-write-error.js';

export const STDOUT_FIX = 'check where stdout goes (disk space, the program reading it)';

const STDOUT_FD = 1;
const ACCESS_MODE = 0o3;
const READ_WRITE = 0o2;

/**
 * Whether fd 1 is the /dev/null Node opened read-write for a closed stdout (a shell's
 * `>/dev/null` opens it write-only). A daemon that points stdout at /dev/null read-write looks
 * the same — and nothing written there would be read either.
 */
export function stdoutWasClosed(): boolean {
  try {
    if (readlinkSync(`/proc/self/fd/${STDOUT_FD}`) !== '/dev/null') return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${STDOUT_FD}`, 'utf8'))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & ACCESS_MODE) === READ_WRITE;
  } catch {
    return false;
  }
}

/** Throws OutputWriteError when stdout was closed at start: `what` (e.g. `the snapshot`) would be written nowhere. */
export function requireOpenStdout(what: string): void {
  if (!stdoutWasClosed()) return;
  throw new OutputWriteError(`cannot write ${what} to stdout`, new Error('it is closed'), 'redirect stdout to a file or a program (> FILE, | PROGRAM)');
}

/** Pieces are gathered up to this many characters per write: few writes, little held. */
const WRITE_BATCH_CHARS = 1 << 16;

/**
 * Writes the pieces in order, waiting whenever stdout's buffer is full, and resolves once all
 * is written; the reader leaving is not an error. A busy host's document goes out as it is
 * serialised, never held whole. Throws OutputWriteError.
 */
export async function writeToStdout(pieces: Iterable<string>, what: string): Promise<void> {
  const stdout = process.stdout;
  // A failed write is also emitted as an 'error' event, after the callback: unheard, it would
  // end netscope as a crash. The listener stays for that late event.
  stdout.on('error', () => undefined);
  try {
    let batch = '';
    for (const piece of pieces) {
      batch += piece;
      if (batch.length < WRITE_BATCH_CHARS) continue;
      if (!stdout.write(batch)) await drained(stdout);
      batch = '';
      if (stdout.errored !== null) throw stdout.errored;
    }
    await new Promise<void>((resolve, reject) => stdout.write(batch, (error) => (error ? reject(error) : resolve())));
  } catch (error) {
    // The first failure says why: the writes after it only fail because the stream is closed.
    const cause = stdout.errored ?? error;
    if ((cause as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw new OutputWriteError(`cannot write ${what} to stdout`, cause, STDOUT_FIX);
  }
}

/** Resolves when the stream can take more, rejects when it failed instead. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
