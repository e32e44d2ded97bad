/**
 * What went wrong, in the user's words: each failure netscope can meet names its cause and its
 * fix on one line, and carries the exit code scripts can test (sysexits: 77 no permission,
 * 69 unavailable, 65 bad input data, 66 input missing or unreadable, 73 output not created,
 * 74 output not written).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** EX_DATAERR: a recording that is not one, damaged, or of another version. */
  dataError: 65,
  /** EX_NOINPUT: a recording that is missing or unreadable. */
  noInput: 66,
  unavailable: 69,
  /** EX_CANTCREAT: an output file refused (its path is not safe) or that cannot be created. */
  cannotCreate: 73,
  /** EX_IOERR: output that could not be written (a full disk, a closed stdout). */
  ioError: 74,
  noPermission: 77,
} as const;

export class ProbeError extends Error {
  constructor(
    /** What failed and why, e.g. `cannot load eBPF probes: missing CAP_BPF`. */
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
    readonly exitCode: number,
  ) {
    super(`${problem}; fix: ${fix}`);
    this.name = 'ProbeError';
  }

  /** The one line printed to stderr. */
  get line(): string {
    return `netscope: ${this.problem} — ${this.fix}`;
  }
}

export const runAsRootHint = 'run it as root: sudo "$(command -v netscope)"';
