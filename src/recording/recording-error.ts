/**
 * A recording that cannot be replayed: missing or unreadable (EX_NOINPUT, 66), or not a
 * netscope recording, damaged, or of another version (EX_DATAERR, 65). `problem` names the file
 * and, for bad content, the line.
 */
import { NetscopeError } from '../errors.js';

export class RecordingError extends NetscopeError {}
