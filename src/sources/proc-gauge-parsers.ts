/**
 * Parsers for the small /proc files the host gauges read. Each returns null for text it cannot
 * make sense of, so a kernel that words a file differently shows an unknown gauge, never a
 * wrong one.
 */
import type { KernelPressureCounters } from '../model/records.js';

/** A file holding one whole number (`131072\n`). */
export function parseWholeNumber(text: string | null): number | null {
  const match = text === null ? null : /^\s*(\d+)\s*$/.exec(text);
  return match === null ? null : Number(match[1]);
}

/** Whole numbers separated by blanks (`32768\t60999\n`); null unless exactly `count` of them. */
export function parseWholeNumbers(text: string | null, count: number): number[] | null {
  if (text === null) return null;
  const fields = text.trim().split(/\s+/);
  if (fields.length !== count || !fields.every((field) => /^\d+$/.test(field))) return null;
  return fields.map(Number);
}

/** The `TCP:` line of /proc/net/sockstat: `TCP: inuse 5 orphan 0 tw 3 alloc 8 mem 1`. */
export function parseSockstatTcp(text: string | null): { orphans: number; memoryPages: number } | null {
  const line = text?.split('\n').find((candidate) => candidate.startsWith('TCP:'));
  if (line === undefined) return null;
  const orphans = /\borphan (\d+)/.exec(line)?.[1];
  const memoryPages = /\bmem (\d+)/.exec(line)?.[1];
  return orphans === undefined || memoryPages === undefined ? null : { orphans: Number(orphans), memoryPages: Number(memoryPages) };
}

const counterNames: Readonly<Record<keyof KernelPressureCounters, string>> = {
  listenOverflows: 'ListenOverflows',
  listenDrops: 'ListenDrops',
  tcpAbortOnMemory: 'TCPAbortOnMemory',
  tcpMemoryPressures: 'TCPMemoryPressures',
  tcpBacklogDrop: 'TCPBacklogDrop',
  tcpTimeWaitOverflow: 'TCPTimeWaitOverflow',
};

/**
 * The TcpExt counters of /proc/net/netstat: a line of names, then a line of values, both
 * starting `TcpExt:`. A counter this kernel does not have reads 0.
 */
export function parseNetstatCounters(text: string | null): KernelPressureCounters | null {
  const lines = text?.split('\n').filter((line) => line.startsWith('TcpExt:')) ?? [];
  const [names, values] = lines.map((line) => line.split(/\s+/).slice(1));
  if (names === undefined || values === undefined || names.length !== values.length) return null;
  const byName = new Map(names.map((name, index) => [name, Number(values[index])]));
  const counters = {} as KernelPressureCounters;
  for (const [field, name] of Object.entries(counterNames) as [keyof KernelPressureCounters, string][]) {
    const value = byName.get(name) ?? 0;
    counters[field] = Number.isSafeInteger(value) && value >= 0 ? value : 0;
  }
  return counters;
}

/**
 * The soft `Max open files` of /proc/PID/limits:
 * `Max open files            1024                 1048576              files`.
 * @returns the limit, null for `unlimited`; undefined when the line is not there.
 */
export function parseOpenFilesLimit(text: string | null): number | null | undefined {
  const soft = text === null ? undefined : /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  if (soft === 'unlimited') return null;
  return /^\d+$/.test(soft) ? Number(soft) : undefined;
}
