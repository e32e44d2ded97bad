/**
 * `--replay FILE`: the file streamed (through gunzip when it is gzip, whatever its name), cut
 * into lines and parsed as they come — never read whole, so that what a replay holds is its
 * records, within two caps: the bytes read once decompressed (--replay-max-mb) and the bytes of
 * one line (MAX_LINE_BYTES). A missing or unreadable file is EX_NOINPUT (66); anything wrong
 * inside it, a cap passed included, EX_DATAERR (65). A gzip stream cut short — an interrupted
 * `.gz` recording — yields what it holds.
 */
import { closeSync, constants as fsConstants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { getHeapStatistics } from 'node:v8';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { ExitCode } from '../errors.js';
import { RecordingError } from './recording-error.js';
import { RecordingParser, type Recording } from './recording-format.js';
import { LineSplitter, MAX_LINE_BYTES, overSizeCap } from './recording-lines.js';

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const MIB = 1024 * 1024;
/** The --replay-max-mb default where Node's heap allows it: 1 GiB, four times --record-max-mb's default. */
const DEFAULT_MAX_BYTES = 1024 * MIB;

/**
 * The --replay-max-mb default: 1 GiB, or a quarter of the heap Node may use when that is less
 * (Node sizes its heap to about half the memory of the machine or container, 4 GiB at most by
 * default). A replay holds its records parsed, one to two times their size on a line, so a
 * quarter leaves the model and the view their room, and a file past it ends in one line, not
 * in Node running out of heap.
 */
export function defaultReplayMaxBytes(): number {
  const quarterOfHeap = Math.floor(getHeapStatistics().heap_size_limit / 4 / MIB) * MIB;
  return Math.min(DEFAULT_MAX_BYTES, quarterOfHeap);
}

function unreadable(file: string, error: unknown): RecordingError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new RecordingError(`cannot read ${file}: no such file`, 'check the path (netscope --record FILE, w and SIGUSR1 write recordings)', ExitCode.noInput);
    case 'EACCES':
    case 'EPERM':
      return new RecordingError(
        `cannot read ${file}: permission denied`,
        `recordings are mode 0600, readable by who recorded them: replay as that user, or sudo chown "$USER" ${file}`,
        ExitCode.noInput,
      );
    default:
      return new RecordingError(`cannot read ${file} (${code ?? String(error)})`, 'check the file and its permissions', ExitCode.noInput);
  }
}

function notGzip(file: string, error: Error): RecordingError {
  return new RecordingError(
    `${file} is not valid gzip (${error.message})`,
    'the file is damaged: gunzip what can be saved (zcat FILE > FILE.ndjson) and replay that',
    ExitCode.dataError,
  );
}

/**
 * Reads and parses the recording at `file`, reading at most `maxBytes` of it once decompressed
 * (null: defaultReplayMaxBytes()). Throws RecordingError: 66 when it cannot be read, 65 when it
 * is not a recording, is damaged, or passes a cap.
 */
export async function readRecording(file: string, maxBytesOrDefault: number | null = null): Promise<Recording> {
  const maxBytes = maxBytesOrDefault ?? defaultReplayMaxBytes();
  const fd = openRegularFile(file);
  let compressed: boolean;
  try {
    compressed = startsWithGzipMagic(fd, file);
    if (!compressed && fstatSync(fd).size > maxBytes) throw overSizeCap(file, maxBytes, null);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const parser = new RecordingParser(file);
  const lines = new LineSplitter(file, { maxBytes, maxLineBytes: MAX_LINE_BYTES }, (line) => parser.line(line));
  const consume = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) lines.push(chunk);
  };
  const bytes = createReadStream(file, { fd, start: 0 });
  try {
    // Flushing instead of finishing: a gzip stream that simply stops yields everything before the cut.
    if (compressed) await pipeline(bytes, createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH }), consume);
    else await pipeline(bytes, consume);
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw notGzip(file, error as Error);
    throw unreadable(file, error);
  }
  lines.end();
  return parser.finish();
}

/**
 * Opens `file` for reading if it is a regular file. Opened without blocking and checked on the
 * descriptor itself: a FIFO or a device would block the read, or never end.
 */
function openRegularFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(file, error);
  }
  let isFile: boolean;
  try {
    isFile = fstatSync(fd).isFile();
  } catch (error) {
    closeSync(fd);
    throw unreadable(file, error);
  }
  if (isFile) return fd;
  closeSync(fd);
  throw new RecordingError(`cannot read ${file}: it is not a regular file`, 'give the path of a recording file', ExitCode.noInput);
}

function startsWithGzipMagic(fd: number, file: string): boolean {
  const start = Buffer.alloc(GZIP_MAGIC.length);
  let read: number;
  try {
    read = readSync(fd, start, 0, start.length, 0);
  } catch (error) {
    throw unreadable(file, error);
  }
  return read === GZIP_MAGIC.length && start[0] === GZIP_MAGIC[0] && start[1] === GZIP_MAGIC[1];
}
