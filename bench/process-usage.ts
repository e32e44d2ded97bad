/**
 * What a monitor process itself costs, read from /proc: CPU time (utime + stime, plus cutime +
 * cstime — the CPU of children it has already reaped, which is where a poller such as
 * `ss -tinp` every second spends it) over a measured window, and its peak resident memory
 * (VmHWM, which catches peaks between readings).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessMemory } from '../test/support/churn.js';
import { statFields } from '../test/support/proc-stat.js';

let ticksPerSecond: number | null = null;

/** USER_HZ, the unit of the times in /proc/PID/stat (100 on every usual kernel). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU a process has used so far, seconds: its own (all threads) and its reaped children's. */
export interface CpuTime {
  ownSeconds: number;
  childrenSeconds: number;
}

/** Reads /proc/PID/stat; null once the process is gone. */
export function readCpuTime(pid: number): CpuTime | null {
  let fields: string[];
  try {
    fields = statFields(pid);
  } catch {
    return null;
  }
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17.
  const ticks = (field: number) => Number(fields[field - 3]);
  const hz = clockTicksPerSecond();
  return { ownSeconds: (ticks(14) + ticks(15)) / hz, childrenSeconds: (ticks(16) + ticks(17)) / hz };
}

/** A process's name as the kernel shows it (comm), or null once it is gone. */
export function readComm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Is the process there and not a zombie (exited, waiting to be reaped)? */
export function isLive(pid: number): boolean {
  try {
    const state = statFields(pid)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The CPU a process used over a window of wall time. */
export interface CpuWindow {
  /** CPU seconds used in the window (own + reaped children). */
  cpuSeconds: number;
  wallSeconds: number;
  /** cpuSeconds / wallSeconds × 100: percent of one core. */
  percentOfCore: number;
}

/** Starts a window now; `end()` reads again and returns the difference (null if the process died). */
export function startCpuWindow(pid: number): { end(): CpuWindow | null } {
  const startedAt = performance.now();
  const before = readCpuTime(pid);
  return {
    end() {
      const after = readCpuTime(pid);
      const wallSeconds = (performance.now() - startedAt) / 1000;
      if (before === null || after === null) return null;
      // The kernel's utime/stime split is rescaled at each read; clamp the rounding below zero.
      const cpuSeconds = Math.max(0, after.ownSeconds + after.childrenSeconds - before.ownSeconds - before.childrenSeconds);
      return { cpuSeconds, wallSeconds, percentOfCore: (cpuSeconds / wallSeconds) * 100 };
    },
  };
}

/** VmHWM of a process, bytes; null once it is gone. */
export function readPeakRss(pid: number): number | null {
  return readProcessMemory(pid)?.peakRssBytes ?? null;
}

/**
 * Keeps reading VmHWM every `intervalMs` until stopped or the process is gone, so the peak of
 * a process that is being stopped (netscope writes its document on the way out) is not missed.
 */
export function watchPeakRss(pid: number, intervalMs = 20): { peakBytes(): number | null; stop(): Promise<void> } {
  let peak: number | null = readPeakRss(pid);
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = readPeakRss(pid);
      if (now === null) return;
      peak = Math.max(peak ?? 0, now);
      await sleep(intervalMs);
    }
  })();
  return {
    peakBytes: () => peak,
    async stop() {
      running = false;
      await loop;
    },
  };
}
