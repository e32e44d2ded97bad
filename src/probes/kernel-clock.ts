/**
 * The kernel stamps events with CLOCK_MONOTONIC (bpf_ktime_get_ns); the model wants wall-clock
 * milliseconds. libuv's hrtime reads the same clock, so one offset converts both ways.
 */
export interface KernelClock {
  /** Wall-clock ms for a CLOCK_MONOTONIC time given as ms. */
  toWallMs(monotonicMs: number): number;
}

export function systemKernelClock(): KernelClock {
  const offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
  return { toWallMs: (monotonicMs) => monotonicMs + offsetMs };
}
