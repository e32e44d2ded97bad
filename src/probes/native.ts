/**
 * The native addon's surface, declared once. Only src/probes/ and the safe file writer
 * (src/output/safe-file-write.ts) import this module; everything above them sees typed records.
 */
import { createRequire } from 'node:module';
import { nativeAddonPath } from './package-paths.js';

/** An exception thrown by the addon: `operation` failed with `errno`. */
export interface NativeErrorFields {
  errno: number;
  /** Symbolic errno name, e.g. `EPERM`. */
  code: string;
  operation: string;
}

/** What openDirectoryWithoutPlantedLinks adds to its exceptions. */
export interface DirectoryWalkErrorFields extends NativeErrorFields {
  /** The path the walk stopped at, as walked (a followed link's target replaces the link). */
  path: string;
  /** Set when a symlink was refused (operation `follow symlink`): its owner's uid. */
  linkOwner?: number;
  /** Set with linkOwner: the uid owning the directory the link is in. */
  directoryOwner?: number;
}

/** An entry of a directory, as fstatat(AT_SYMLINK_NOFOLLOW) sees it. */
export interface DirectoryEntry {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
}

export interface BpfObjectHandle {
  programNames(): string[];
  setAutoload(program: string, autoload: boolean): void;
  /** Ring buffer size in bytes: a power of two, a multiple of the page size. */
  setRingBufferSize(bytes: number): void;
  load(): void;
  /** Attaches at the target named in the program's section. */
  attach(program: string): void;
  /** Attaches a raw_tp program to `tracepoint` (e.g. `kfree_skb`). */
  attachRawTracepoint(program: string, tracepoint: string): void;
  /** Attaches a cgroup program to the cgroup directory at `cgroupPath` through a bpf_link. */
  attachCgroup(program: string, cgroupPath: string): void;
  /** Copies the map's entries (key then value, back to back); `needed` > `count`: the buffer was too small. */
  dumpMap(map: string, buffer: Buffer): { count: number; needed: number };
  /** Deletes `count` keys laid out back to back in `keys`. */
  deleteMapKeys(map: string, keys: Buffer, count: number): void;
  /** A per-CPU array's first counter, summed over CPUs. */
  perCpuTotal(map: string): number;
  /** Copies whole records (the object's record size) into `buffer`; returns how many. */
  drain(buffer: Buffer): number;
  /** Reserves that failed since load, summed over CPUs. */
  lostEvents(): number;
  /** Detaches every program and frees the object; safe to call twice. */
  close(): void;
}

export interface NativeAddon {
  /** `recordSize`: the bytes of one ring-buffer record (default: `struct tcp_event`'s). */
  BpfObject: new (objectPath: string, recordSize?: number) => BpfObjectHandle;
  /** A sock_diag netlink socket in the namespace at `netnsPath` (null: netscope's own). */
  openNetnsDiagSocket(netnsPath: string | null): number;
  /** Asks for every TCP socket; `withTimeWait` false leaves out the timewait minisocks in TIME_WAIT (those in FIN_WAIT2 still come). */
  startTcpDump(fd: number, withTimeWait: boolean): void;
  /**
   * Writes the started dump's next `tcp_sample` records, as many as `buffer` is sure to hold (it
   * must have room for 372); `done` once the dump has ended.
   */
  readTcpDump(fd: number, buffer: Buffer): { count: number; done: boolean };
  /** Writes `udp_sample` records (both families); `needed` > `count` means the buffer was too small. */
  sampleUdpSockets(fd: number, buffer: Buffer): { count: number; needed: number };
  closeFd(fd: number): void;
  /** A ctnetlink (NETLINK_NETFILTER) socket in the namespace at `netnsPath` (null: netscope's own). */
  openNetnsConntrackSocket(netnsPath: string | null): number;
  /**
   * Sends the netlink messages in `request` at once and copies each one's answer (the entry, or
   * an error message) into `reply`; returns the bytes written. Throws EAGAIN after 100 ms.
   */
  conntrackRoundTrip(fd: number, request: Buffer, reply: Buffer): number;
  btfHasType(name: string, kind: 'typedef' | 'enum' | 'struct'): boolean;
  btfEnumValues(name: string): { name: string; value: number }[];
  /** Frees the kernel BTF the two calls above parsed and share; a later call parses it again. */
  releaseVmlinuxBtf(): void;
  /** libbpf's messages (warn and info) since the last call. */
  takeLibbpfLog(): { level: 'warn' | 'info'; message: string }[];
  /**
   * Opens `path` (O_RDONLY|O_DIRECTORY) walking it one component at a time, following a
   * symlink only when it is the caller's, its directory owner's, or in a directory no one else
   * can write into (the kernel's protected_symlinks rule, applied whatever the sysctl says).
   * Throws with DirectoryWalkErrorFields.
   */
  openDirectoryWithoutPlantedLinks(path: string): number;
  /** The entry `name` in the directory, not following a symlink; null when there is none. */
  entryAt(directoryFd: number, name: string): DirectoryEntry | null;
  /** The names in the directory, without `.` and `..`. */
  listDirectory(directoryFd: number): string[];
  /** A new file, mode 0600, opened for writing: O_CREAT|O_EXCL|O_NOFOLLOW (EEXIST when the name is taken). */
  createFileAt(directoryFd: number, name: string): number;
  /** An O_TMPFILE in the directory, mode 0600 (EOPNOTSUPP or EISDIR where there is none). */
  createUnnamedFileIn(directoryFd: number): number;
  /** Gives the unnamed file `fd` the name `name` (EEXIST when it is taken). */
  linkUnnamedFileAt(fd: number, directoryFd: number, name: string): void;
  /** renameat within the directory: `to` is replaced, never followed. */
  renameAt(directoryFd: number, from: string, to: string): void;
  /** unlinkat; given `fd`, only while `name` is still that file. Returns whether it removed it. */
  removeFileAt(directoryFd: number, name: string, fd?: number): boolean;
  /**
   * Each file's text as a task in the namespace at `netnsPath` (null: netscope's own) reads it;
   * null for a file that cannot be read. For the net.* sysctls, which answer for the reader's
   * namespace whatever /proc mount the path goes through.
   */
  readFilesInNetns(netnsPath: string | null, paths: readonly string[]): (string | null)[];
  /**
   * Gives back to the kernel the pages malloc holds free in every arena (malloc_trim); returns
   * whether there were any.
   */
  releaseFreedMemory(): boolean;
  /** sizeof() of the shared records as the addon was compiled. */
  recordSizes: { tcpEvent: number; tcpSample: number; udpFlowKey: number; udpFlowCounters: number; udpSample: number };
  /** sizeof(struct dns_answer) as the addon was compiled. */
  dnsAnswerRecordSize: number;
}

let addon: NativeAddon | undefined;

/** Loads the addon on first use (so unit tests that never touch the kernel never need it). */
export function nativeAddon(): NativeAddon {
  addon ??= createRequire(import.meta.url)(nativeAddonPath) as NativeAddon;
  return addon;
}

export function isNativeError(error: unknown): error is Error & NativeErrorFields {
  return error instanceof Error && typeof (error as Partial<NativeErrorFields>).errno === 'number';
}
