/**
 * A recording played back as a capture source: no privilege, no BPF, no /proc. Each collect
 * hands the model the records one recorded tick held, in their recorded order, and the capture
 * then ticks at that tick's recorded time (the Capture's clock is `nextTickAtMs`) — the same
 * ingest/tick sequence the model went through live, so the same snapshots.
 */
import type { CaptureSource } from '../model/capture-contracts.js';
import type { ModelRecord } from '../model/records.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import type { Recording } from './recording-format.js';

export class ReplaySource implements CaptureSource {
  readonly kind = 'replay' as const;
  readonly degradedNotice = null;
  /** The probes as they were when the recording started. */
  readonly probes: ProbeStatus[];
  private nextTick = 0;

  constructor(
    private readonly recording: Recording,
    private readonly sink: (record: ModelRecord) => void,
  ) {
    this.probes = recording.header.source.probes;
  }

  /** Recorded ticks played so far. */
  get ticksPlayed(): number {
    return this.nextTick;
  }

  /** Time of the next recorded tick; null once every tick is played. */
  get nextTickAtMs(): number | null {
    return this.recording.ticks[this.nextTick]?.atMs ?? null;
  }

  /** Plays the next recorded tick's records (the capture ticks at its time, `nextTickAtMs`). */
  collect(): void {
    const tick = this.recording.ticks[this.nextTick];
    if (tick === undefined) return;
    this.nextTick++;
    for (const record of tick.records) this.sink(record);
  }

  stop(): void {
    this.nextTick = this.recording.ticks.length;
  }
}
