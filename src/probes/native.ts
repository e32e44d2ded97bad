/**
 * The native addon's surface, declared once. Only src/probes/ imports this module; everything
 * above it sees typed records.
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
  /** Copies whole `tcp_event` records into `buffer`; returns how many. */
  drain(buffer: Buffer): number;
  /** Reserves that failed since load, summed over CPUs. */
  lostEvents(): number;
  /** Detaches every program and frees the object; safe to call twice. */
  close(): void;
}

export interface NativeAddon {
  BpfObject: new (objectPath: string) => BpfObjectHandle;
  /** A sock_diag netlink socket in the namespace at `netnsPath` (null: netscope's own). */
  openNetnsDiagSocket(netnsPath: string | null): number;
  /** Writes `tcp_sample` records; `needed` > `count` means the buffer was too small. */
  sampleTcpSockets(fd: number, buffer: Buffer): { count: number; needed: number };
  closeFd(fd: number): void;
  btfHasType(name: string, kind: 'typedef' | 'enum' | 'struct'): boolean;
  btfEnumValues(name: string): { name: string; value: number }[];
  /** libbpf's messages (warn and info) since the last call. */
  takeLibbpfLog(): { level: 'warn' | 'info'; message: string }[];
  /** sizeof() of the shared records as the addon was compiled. */
  recordSizes: { tcpEvent: number; tcpSample: number };
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
