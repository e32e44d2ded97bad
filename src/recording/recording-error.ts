/**
 * A recording that cannot be replayed: missing or unreadable (EX_NOINPUT, 66), or not a
 * netscope recording, damaged, or of another version (EX_DATAERR, 65). Like ProbeError, it
 * names its cause and its fix on one line.
 */
export class RecordingError extends Error {
  constructor(
    /** What is wrong, with the file name and — for bad content — the line number. */
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
    readonly exitCode: number,
  ) {
    super(`${problem}; fix: ${fix}`);
    this.name = 'RecordingError';
  }

  /** The one line printed to stderr. */
  get line(): string {
    return `netscope: ${this.problem} — ${this.fix}`;
  }
}
