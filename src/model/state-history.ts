import type { TcpStateNumber } from './records.js';
import { TcpState } from './records.js';
import type { StateStay } from './snapshot-types.js';
import { tcpStateName } from './tcp-states.js';

/**
 * The states one connection went through, ordered by time. Kept as parallel number arrays so
 * recording a state allocates nothing once the arrays have grown.
 *
 * Events and samples reach the model slightly out of order (the ring buffer is drained before
 * the sampling pass, but sockets keep changing meanwhile), so a state is inserted at its time
 * rather than appended. When the stays exceed the limit, the first one and the most recent ones
 * are kept.
 */
export class StateHistory {
  private readonly states: TcpStateNumber[] = [];
  private readonly startedAtMs: number[] = [];
  /**
   * When each stay ended (NaN while current). Stored rather than derived from the next stay so a
   * stay keeps its true duration when the stays after it are dropped by the limit.
   */
  private readonly endedAtMs: number[] = [];

  constructor(private readonly maxStays: number) {}

  /** The state of the latest stay. Only valid once something was recorded. */
  get current(): TcpStateNumber {
    return this.states[this.states.length - 1] as TcpStateNumber;
  }

  /** When the latest stay began (-Infinity while empty). */
  get currentSinceMs(): number {
    return this.states.length === 0 ? -Infinity : (this.startedAtMs[this.states.length - 1] as number);
  }

  /**
   * Records that the connection was in `state` from `atMs`. Returns false when that adds nothing:
   * the connection was already in that state just before.
   */
  record(state: TcpStateNumber, atMs: number): boolean {
    let position = this.states.length;
    while (position > 0 && (this.startedAtMs[position - 1] as number) > atMs) position--;
    if (position > 0 && this.states[position - 1] === state) return false;
    if (position < this.states.length && this.states[position] === state) {
      // An earlier sighting of the stay that follows: it began sooner than we knew.
      this.startedAtMs[position] = atMs;
      this.shortenStayBefore(position, atMs);
      return true;
    }
    if (position === this.states.length) {
      this.states.push(state);
      this.startedAtMs.push(atMs);
      this.endedAtMs.push(NaN);
    } else {
      const endedAtMs = this.startedAtMs[position] as number;
      this.states.splice(position, 0, state);
      this.startedAtMs.splice(position, 0, atMs);
      this.endedAtMs.splice(position, 0, endedAtMs);
    }
    this.shortenStayBefore(position, atMs);
    if (this.states.length > this.maxStays) {
      this.states.splice(1, 1);
      this.startedAtMs.splice(1, 1);
      this.endedAtMs.splice(1, 1);
    }
    return true;
  }

  /** SYN_SENT → ESTABLISHED: from the first SYN_SENT stay to the ESTABLISHED stay after it. */
  handshakeMs(): number | null {
    const synSentIndex = this.states.indexOf(TcpState.SYN_SENT);
    if (synSentIndex === -1) return null;
    const establishedIndex = this.states.indexOf(TcpState.ESTABLISHED, synSentIndex + 1);
    if (establishedIndex === -1) return null;
    return (this.startedAtMs[establishedIndex] as number) - (this.startedAtMs[synSentIndex] as number);
  }

  toStays(): StateStay[] {
    const stays: StateStay[] = new Array<StateStay>(this.states.length);
    for (let index = 0; index < this.states.length; index++) {
      const atMs = this.startedAtMs[index] as number;
      const endedAtMs = this.endedAtMs[index] as number;
      stays[index] = {
        state: tcpStateName(this.states[index] as TcpStateNumber),
        atMs,
        durationMs: Number.isNaN(endedAtMs) ? null : endedAtMs - atMs,
      };
    }
    return stays;
  }

  private shortenStayBefore(position: number, atMs: number): void {
    if (position === 0) return;
    const previousEnd = this.endedAtMs[position - 1] as number;
    // Keep an earlier end: it is the true end when the stay after it was dropped by the limit.
    if (Number.isNaN(previousEnd) || atMs < previousEnd) this.endedAtMs[position - 1] = atMs;
  }
}
