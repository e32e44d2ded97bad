/**
 * What went wrong, in the user's words: every failure netscope can meet names its cause and its
 * fix on one line, and carries the exit code scripts can test. Every exit code is here.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `netscope triage`: findings are open, warnings at worst (no critical one). */
  triageWarnings: 10,
  /** `netscope triage`: at least one critical finding is open. */
  triageCritical: 11,
  /** EX_DATAERR: a recording that is not one, damaged, out of order, or past a cap. */
  dataError: 65,
  /** EX_NOINPUT: a recording that is missing or unreadable. */
  noInput: 66,
  /** EX_UNAVAILABLE: the kernel cannot run the probes (no BTF, a required tracepoint missing). */
  unavailable: 69,
  /** EX_CANTCREAT: an output file refused (its path is not safe) or that cannot be created. */
  cannotCreate: 73,
  /** EX_IOERR: output that could not be written (a full disk, a closed stdout). */
  ioError: 74,
  /** EX_NOPERM: a needed privilege is missing. */
  noPermission: 77,
} as const;

/** A failure netscope explains: the problem, the fix, and the exit code it ends with. */
export class NetscopeError extends Error {
  constructor(
    /** What failed and why, e.g. `cannot load eBPF probes: missing CAP_BPF`. */
    readonly problem: string,
    /** What to do about it; '' when the problem's sentence already says it. */
    readonly fix: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(problem, options);
    this.name = new.target.name;
  }

  /** Cause and fix in one sentence, for a footer or a notice. */
  get sentence(): string {
    return this.fix === '' ? this.problem : `${this.problem} — ${this.fix}`;
  }

  /** The one line printed to stderr. */
  get line(): string {
    return `netscope: ${this.sentence}`;
  }
}

/**
 * A flag, a filter or an address the user gave that netscope cannot take (exit 2). Its message
 * names the flag and says the fix in one sentence.
 */
export class UsageError extends NetscopeError {
  constructor(message: string) {
    super(message, '', ExitCode.usage);
  }
}
