/**
 * The order a recording's times must keep, checked line by line as it is read: tick markers
 * never go back, nor start well before the header's startedAt; the end marker is not before the
 * last tick; a record lies near the tick that holds it and never well before its connection's
 * previous record. A time out of this order would play as a connection closed before it
 * opened, or negative rates.
 *
 * Records are not exact to the tick, and a minute of slack covers what netscope itself writes:
 * a sampling pass stamps its records when it ends, after the tick's marker; an event that
 * happens while a pass runs is drained with the next tick, a little before the sample of its
 * connection on the tick before; kernel event times are converted with an offset taken at
 * start, from which the wall clock drifts — and a flight recording starts at its first record's
 * time, which may be such a time. Tick and end markers are read from one clock, the wall clock,
 * and are exact among themselves. Owner and container records may be older than their tick by
 * any amount (a flight recording carries, in its first tick, the owners and containers it still
 * shows, from when they were learnt) but not later.
 */
import type { ModelRecord } from '../model/records.js';

/**
 * A minute: how far a record may lie outside its tick or before its connection's previous
 * record, and the first tick before the start.
 */
export const CLOCK_SLACK_MS = 60_000;

/** A time out of order: the line to name and what is wrong with it (after "line N"). */
export interface TimeProblem {
  line: number;
  problem: string;
}

interface Stamp {
  atMs: number;
  line: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class RecordingTimeline {
  /** The last tick marker, or the start (the header, line 1) before the first. */
  private previousMarker: Stamp;
  /** The latest record since that marker (its time, line and kind), checked against the next one. */
  private latestAtMs = -Infinity;
  private latestLine = 0;
  private latestKind: ModelRecord['kind'] = 'lost';
  /** Each connection's latest record so far, by socket cookie. */
  private readonly connections = new Map<number, Stamp>();

  constructor(startedAtMs: number) {
    this.previousMarker = { atMs: startedAtMs, line: 1 };
  }

  record(record: ModelRecord, line: number): TimeProblem | null {
    if (record.atMs > this.latestAtMs) {
      this.latestAtMs = record.atMs;
      this.latestLine = line;
      this.latestKind = record.kind;
    }
    switch (record.kind) {
      case 'owner':
      case 'container':
        return null;
      case 'sweep':
        if (record.sinceMs > record.atMs) return { line, problem: `is a sweep since ${iso(record.sinceMs)}, later than its own time ${iso(record.atMs)}` };
        break;
    }
    const { atMs } = record;
    const previous = this.previousMarker;
    if (atMs < previous.atMs - CLOCK_SLACK_MS) {
      return { line, problem: `${stamped(record)}, ${seconds(previous.atMs - atMs)} before the ${markerName(previous)} that precedes it` };
    }
    if (!('cookie' in record) || record.cookie === 0) return null;
    const before = this.connections.get(record.cookie);
    if (before === undefined) {
      this.connections.set(record.cookie, { atMs, line });
    } else if (atMs < before.atMs - CLOCK_SLACK_MS) {
      return { line, problem: `${stamped(record)}, ${seconds(before.atMs - atMs)} before the record of its connection (cookie ${record.cookie}) on line ${before.line}` };
    } else if (atMs > before.atMs) {
      before.atMs = atMs;
      before.line = line;
    }
    return null;
  }

  tick(atMs: number, line: number): TimeProblem | null {
    if (this.latestAtMs > atMs + CLOCK_SLACK_MS) {
      const problem = `is a "${this.latestKind}" record stamped ${iso(this.latestAtMs)}, ${seconds(this.latestAtMs - atMs)} after the tick it belongs to (line ${line})`;
      return { line: this.latestLine, problem };
    }
    const problem = this.notBefore(atMs, line, 'is a tick marker', this.previousMarker.line === 1 ? CLOCK_SLACK_MS : 0);
    if (problem !== null) return problem;
    this.previousMarker = { atMs, line };
    this.latestAtMs = -Infinity;
    return null;
  }

  end(atMs: number, line: number): TimeProblem | null {
    return this.notBefore(atMs, line, 'ends the recording', 0);
  }

  private notBefore(atMs: number, line: number, what: string, slackMs: number): TimeProblem | null {
    const previous = this.previousMarker;
    if (atMs >= previous.atMs - slackMs) return null;
    return { line, problem: `${what} at ${iso(atMs)}, ${seconds(previous.atMs - atMs)} before the ${markerName(previous)}` };
  }
}

function stamped(record: ModelRecord): string {
  return `is a "${record.kind}" record stamped ${iso(record.atMs)}`;
}

function markerName(marker: Stamp): string {
  return marker.line === 1 ? "recording's start (its header)" : `tick on line ${marker.line}`;
}
