/**
 * The CaptureStore over a running Capture: ticks on a timer, publishes one ScreenInput per tick
 * (none while paused — ingest goes on underneath), follows the detail page's connection, and
 * saves the snapshot document of what is on screen.
 */
import path from 'node:path';
import type { Capture } from '../capture.js';
import { toSnapshotDocument } from '../model/snapshot-document.js';
import type { HostInfo } from '../model/snapshot-types.js';
import { writeFileSafely } from '../safe-file-write.js';
import type { CaptureStore } from './capture-store.js';
import type { ScreenInput } from './view-model/screen-input.js';

/** Rate points kept for the detail page's sparklines (one per tick). */
const DETAIL_RATE_POINTS = 120;

export interface LiveCaptureStoreOptions {
  intervalMs: number;
  /** Where `s` writes `netscope-YYYYMMDD-HHMMSS.json`. */
  outputDirectory: string;
  host: HostInfo;
  /** Wall clock, for file names. */
  now?: () => Date;
}

export class LiveCaptureStore implements CaptureStore {
  private readonly listeners = new Set<() => void>();
  private current: ScreenInput;
  private paused = false;
  private intervalMs: number;
  private timer: NodeJS.Timeout;
  private detailConnectionId: number | null = null;
  private detailRates = { send: [] as number[], receive: [] as number[] };
  private readonly now: () => Date;

  constructor(
    private readonly capture: Capture,
    private readonly options: LiveCaptureStoreOptions,
  ) {
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? (() => new Date());
    this.current = this.input();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ScreenInput => this.current;

  /** Ticks now (the first frame should not wait a whole interval). */
  tick(): void {
    const snapshot = this.capture.tick();
    if (this.detailConnectionId !== null) {
      const connection = snapshot.connections.find((candidate) => candidate.id === this.detailConnectionId);
      if (connection) {
        this.detailRates = {
          send: [...this.detailRates.send, connection.sendRate].slice(-DETAIL_RATE_POINTS),
          receive: [...this.detailRates.receive, connection.receiveRate].slice(-DETAIL_RATE_POINTS),
        };
      }
    }
    if (this.paused) return;
    this.publish();
  }

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (!paused) this.publish();
  }

  setIntervalMs(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  setDetailConnection(connectionId: number | null): void {
    if (connectionId === this.detailConnectionId) return;
    this.detailConnectionId = connectionId;
    this.detailRates = { send: [], receive: [] };
    this.publish();
  }

  saveSnapshot(): string {
    const target = path.join(this.options.outputDirectory, `netscope-${fileStamp(this.now())}.json`);
    const { snapshot, source, host } = this.current;
    const document = toSnapshotDocument(snapshot, { host, source, generatedAtMs: snapshot.atMs });
    writeFileSafely(target, `${JSON.stringify(document, null, 2)}\n`);
    return target;
  }

  /** Stops ticking and the capture; what is synchronous (the probes' release) happens before the first await. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.capture.stop();
  }

  private input(): ScreenInput {
    return {
      snapshot: this.capture.model.snapshot,
      source: { kind: this.capture.source.kind, probes: this.capture.source.probes },
      host: this.options.host,
      detailRates: this.detailRates,
    };
  }

  private publish(): void {
    this.current = this.input();
    for (const listener of this.listeners) listener();
  }
}

function fileStamp(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}
