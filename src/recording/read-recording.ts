/**
 * `--replay FILE`: the file read whole (gunzip'd when it is gzip, whatever its name) and
 * parsed. A missing or unreadable file is EX_NOINPUT (66); anything wrong inside it, EX_DATAERR
 * (65). A gzip stream cut short — an interrupted `.gz` recording — yields what it holds.
 */
import { readFileSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { ExitCode } from '../probes/probe-error.js';
import { RecordingError } from './recording-error.js';
import { parseRecording, type Recording } from './recording-format.js';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

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
    case 'ERR_FS_FILE_TOO_LARGE':
      return new RecordingError(`cannot read ${file}: too large to replay in memory`, 'record shorter stretches (--record-max-mb), or gzip them (.gz)', ExitCode.noInput);
    default:
      return new RecordingError(`cannot read ${file} (${code ?? String(error)})`, 'check the file and its permissions', ExitCode.noInput);
  }
}

export function readRecording(file: string): Recording {
  let bytes = readBytes(file);
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) bytes = gunzip(bytes, file);
  return parseRecording(bytes, file);
}

function readBytes(file: string): Buffer {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (error) {
    throw unreadable(file, error);
  }
  // A FIFO or a device would block the read, or never end: only a regular file is a recording.
  if (!isFile) throw new RecordingError(`cannot read ${file}: it is not a regular file`, 'give the path of a recording file', ExitCode.noInput);
  try {
    return readFileSync(file);
  } catch (error) {
    throw unreadable(file, error);
  }
}

function gunzip(bytes: Buffer, file: string): Buffer {
  try {
    // Flushing instead of finishing: a stream that simply stops yields everything before the cut.
    return gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new RecordingError(
      `${file} is not valid gzip (${error instanceof Error ? error.message : String(error)})`,
      'the file is damaged: gunzip what can be saved (zcat FILE > FILE.ndjson) and replay that',
      ExitCode.dataError,
    );
  }
}
