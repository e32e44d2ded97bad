import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2Mount, hostPaths, type HostPaths } from '../probes/host-paths.js';
import { redactCommandLine } from './redact-cmdline.js';
import { escapeUntrustedText } from './untrusted-text.js';
import { userName } from './user-names.js';

/** A process as read from /proc, with what the owner records carry. */
export interface ProcessDescription {
  /** Thread-group id (the process id users see), in the host's pid namespace. */
  pid: number;
  /** Kernel task name (at most 15 characters), sanitised (untrusted-text.ts). */
  comm: string;
  /**
   * Redacted, sanitised command line; `[comm]` for kernel threads and zombies, as htop shows them.
   * At most {@link CMDLINE_MAX_BYTES} of it are read; a longer one ends in {@link CMDLINE_CUT_MARK}.
   */
  cmdline: string;
  /** Real user id. */
  uid: number;
  /** User name for uid, or the uid as text. */
  user: string;
  /** cgroup v2 id (the inode number of the process's v2 cgroup directory); 0 when unknown. */
  cgroupId: number;
  /**
   * Start time in clock ticks since boot (field 22 of /proc/PID/stat). Together with the pid
   * it identifies a process across pid reuse.
   */
  startTimeTicks: number;
}

/**
 * The most of /proc/PID/cmdline read, in bytes: 4 KiB, what htop reads (and all the kernel gave
 * before Linux 4.2), more than a terminal line shows. Any user can start a process whose command
 * line holds 128 KiB an argument and megabytes in all, and every process with a connection is
 * described, so the cap bounds the reading and redacting of each; it also bounds what the
 * description cache holds (8192 × 4 KiB at most).
 */
const CMDLINE_MAX_BYTES = 4096;

/** Ends a command line cut at {@link CMDLINE_MAX_BYTES}. */
// Grouped by hand, not with toLocaleString: a locale's number formats cost netscope 5 MiB of
// resident memory (the ICU data they read is paged in from the node binary).
const CMDLINE_CUT_MARK = `… [cut at ${String(CMDLINE_MAX_BYTES).replace(/\B(?=(\d{3})+$)/g, ',')} bytes]`;

/**
 * Reads one process from /proc.
 * @param showSecrets keep secrets in the command line (--show-secrets); redacted by default.
 * @returns null when the process does not exist or exits while being read.
 */
export function describeProcess(pid: number, paths: HostPaths = hostPaths(), showSecrets = false): ProcessDescription | null {
  const processDir = join(paths.proc, String(pid));
  const stat = readProcStat(processDir);
  if (stat === null) return null;
  const status = readOrNull(join(processDir, 'status'));
  const cmdline = readCappedCmdline(join(processDir, 'cmdline'));
  const cgroups = readOrNull(join(processDir, 'cgroup'));
  if (status === null || cmdline === null || cgroups === null) return null;

  // Uid: real, effective, saved, filesystem.
  const realUid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (realUid === undefined) return null;
  const uid = Number(realUid);
  const { argv, isCut, lastArgumentCut } = cmdline;
  const comm = escapeUntrustedText(processName(stat.comm, argv));
  const shownLine = showSecrets ? argv.join(' ') : redactCommandLine(argv, { comm: stat.comm, lastArgumentCut });
  return {
    pid,
    comm,
    cmdline: argv.length === 0 ? `[${comm}]` : escapeUntrustedText(shownLine) + (isCut ? CMDLINE_CUT_MARK : ''),
    uid,
    user: userName(uid, paths),
    cgroupId: cgroupIdOf(cgroups, paths),
    startTimeTicks: stat.startTimeTicks,
  };
}

/**
 * Node ≥ 24 names its main thread `MainThread`, which makes that the comm of every Node service;
 * the program's own name (argv[0]'s basename, as htop shows it) says more.
 */
const RENAMED_MAIN_THREADS = new Set(['MainThread']);

function processName(comm: string, argv: readonly string[]): string {
  const program = argv[0];
  if (!RENAMED_MAIN_THREADS.has(comm) || program === undefined || program === '') return comm;
  return program.slice(program.lastIndexOf('/') + 1);
}

/**
 * Describes processes, remembering each description until the pid is reused. A cache hit
 * costs one read of /proc/PID/stat, to compare the start time.
 */
export class ProcessDescriber {
  private readonly descriptions = new Map<number, ProcessDescription>();

  /**
   * @param paths where the host's /proc, /sys and /etc are; default the host itself.
   * @param maxEntries descriptions kept; beyond it the least recently described pid is
   *   forgotten, so exited processes cannot grow the cache without bound. Default 8192.
   */
  constructor(
    private readonly paths: HostPaths = hostPaths(),
    private readonly maxEntries = 8192,
    /** Keep secrets in command lines (--show-secrets). */
    private readonly showSecrets = false,
  ) {}

  /** The process's description, or null when it does not exist (any more). */
  describe(pid: number): ProcessDescription | null {
    const cached = this.descriptions.get(pid);
    this.descriptions.delete(pid);
    let description: ProcessDescription | null;
    if (cached === undefined) {
      description = describeProcess(pid, this.paths, this.showSecrets);
    } else {
      const current = readProcStat(join(this.paths.proc, String(pid)));
      if (current === null) return null;
      const isSameProcess = current.startTimeTicks === cached.startTimeTicks;
      description = isSameProcess ? cached : describeProcess(pid, this.paths, this.showSecrets);
    }
    if (description === null) return null;
    // Re-inserting moves the pid to the end of the Map's order: the first key is the least
    // recently described.
    this.descriptions.set(pid, description);
    if (this.descriptions.size > this.maxEntries) {
      const leastRecent = this.descriptions.keys().next();
      if (leastRecent.done !== true) this.descriptions.delete(leastRecent.value);
    }
    return description;
  }
}

interface ProcStat {
  comm: string;
  startTimeTicks: number;
}

/**
 * Parses /proc/PID/stat: `pid (comm) state ppid …`. comm may itself hold spaces and `)`, so
 * the fields after it are found from the last `)`.
 */
function readProcStat(processDir: string): ProcStat | null {
  const stat = readOrNull(join(processDir, 'stat'));
  if (stat === null) return null;
  const commStart = stat.indexOf('(');
  const commEnd = stat.lastIndexOf(')');
  if (commStart === -1 || commEnd < commStart) return null;
  // Fields after comm start at field 3 (state); starttime is field 22.
  const fieldsAfterComm = stat.slice(commEnd + 2).split(' ');
  const startTimeTicks = Number(fieldsAfterComm[22 - 3]);
  if (!Number.isSafeInteger(startTimeTicks)) return null;
  return { comm: stat.slice(commStart + 1, commEnd), startTimeTicks };
}

/** The start of a command line, as read from /proc/PID/cmdline. */
interface CappedCmdline {
  argv: string[];
  /** The command line is longer than {@link CMDLINE_MAX_BYTES}; argv holds its start. */
  isCut: boolean;
  /** The cut fell inside the last element of argv, not between two. */
  lastArgumentCut: boolean;
}

/** One byte more than the cap, so a command line of exactly the cap is not taken for a cut one. */
const cmdlineBuffer = Buffer.alloc(CMDLINE_MAX_BYTES + 1);

/**
 * Reads at most {@link CMDLINE_MAX_BYTES} of /proc/PID/cmdline into a fixed buffer (describing is
 * synchronous, so one buffer serves every call) and splits it into argv. Arguments end in NUL;
 * a process that rewrote its title (nginx, postgres) may leave a run of NULs, so trailing empty
 * arguments are dropped. A UTF-8 character split by the cap is dropped rather than shown as
 * U+FFFD.
 * @returns null when the process is gone or hides it.
 */
function readCappedCmdline(path: string): CappedCmdline | null {
  let length = 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    // The kernel may return less than asked (a page at a time), so read until full or at the end.
    for (;;) {
      const count = readSync(fd, cmdlineBuffer, length, cmdlineBuffer.length - length, null);
      length += count;
      if (count === 0 || length === cmdlineBuffer.length) break;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  const isCut = length > CMDLINE_MAX_BYTES;
  const kept = cmdlineBuffer.subarray(0, Math.min(length, CMDLINE_MAX_BYTES));
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(kept, { stream: isCut });
  const argv = text.split('\0');
  const lastArgumentCut = isCut && argv.at(-1) !== '';
  while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
  return { argv, isCut, lastArgumentCut };
}

/**
 * The inode of the process's cgroup v2 directory, which is the id the kernel reports as
 * the cgroup id (bpf_get_current_cgroup_id). The v2 line of /proc/PID/cgroup is `0::/path`.
 */
function cgroupIdOf(cgroups: string, paths: HostPaths): number {
  const cgroupPath = /^0::(.*)$/m.exec(cgroups)?.[1];
  if (cgroupPath === undefined) return 0;
  try {
    return statSync(join(cgroupV2Mount(paths), cgroupPath)).ino;
  } catch {
    // The cgroup was removed (the path then ends in " (deleted)"), or there is no v2 mount.
    return 0;
  }
}

/** Reads a /proc file; null when the process is gone or hides it (ENOENT, ESRCH, EACCES). */
function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
