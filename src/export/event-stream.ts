/**
 * `--events` as a capture observer: each kernel event the model ingests becomes one NDJSON line,
 * completed with the model's view of its connection, selected by the scope flags and the
 * filter, and handed to a writer that never blocks.
 *
 * A new connection's lines wait until the model knows its owner and its local port, so that no
 * accept goes out without its process: the server side of an accept is born in softirq and
 * only /proc names its owner, at the next tick (or an event in the owner's own context, such as
 * its close, names it sooner); a connect's SYN_SENT comes before the kernel binds the local
 * port, which its next event carries. Lines wait at most until the second tick after the
 * connection's birth (the process may not have accepted it yet at the first) or until it closes,
 * then go out with what is known — the listener's owner, marked `ownerProvisional`, or an
 * unknown owner written as null, never as pid 0. Lines of
 * other connections do not wait, so a waiting connection's lines may follow later events of
 * other connections; each carries its own time.
 *
 * Where conntrack is asked about new connections (`awaitsNatLookup`), a new connection's lines
 * wait for the first tick after its birth, even once described or closed: the lookup runs at
 * the tick, and the connect line then carries the real destination behind NAT.
 */
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { ConnectionDescription, ConnectionModel } from '../model/connection-model.js';
import type { ModelRecord } from '../model/records.js';
import { completeLine, eventLine, isConnectionBirth, type EventLine } from './event-lines.js';
import type { EventSelection } from './event-selection.js';

/** Ticks a new connection's lines wait for its owner: /proc may find it only once the process has accepted it. */
const OWNER_WAIT_TICKS = 2;
/** Lines waiting for their connection's owner, at most; past it the longest-waiting connection goes out as it is. */
const MAX_WAITING_LINES = 10_000;

/** Where finished lines go (a BoundedLineWriter over stdout). */
export interface LineOutput {
  writeLines(lines: readonly string[]): void;
  /** Everything handed over has been written (or can no longer be). */
  finish(): Promise<void>;
}

interface ReadyLine {
  /** The connection's cookie, 0 for none: the line is completed from it when written. */
  cookie: number;
  line: EventLine;
}

interface WaitingConnection {
  lines: EventLine[];
  ticksWaited: number;
  closed: boolean;
}

/** How the stream waits for what a tick adds to a new connection. */
export interface EventStreamOptions {
  /** A new connection's lines wait for the tick's NAT lookup (conntrack is there to ask). Default false. */
  awaitsNatLookup: boolean;
}

function isEventRecord(record: ModelRecord): boolean {
  return record.kind === 'state' || record.kind === 'retransmit' || record.kind === 'reset' || record.kind === 'drop' || record.kind === 'udpFlow';
}

/** Owner (its own, not its listener's) and local port known: nothing a line of this connection waits for. */
function isDescribed(connection: ConnectionDescription | null): boolean {
  return connection !== null && connection.owner.pid !== null && !connection.owner.provisional && connection.sport !== 0;
}

export class EventStream implements CaptureObserver {
  private ready: ReadyLine[] = [];
  /** Connections whose lines wait for their owner, by cookie, the longest-waiting first. */
  private readonly waiting = new Map<number, WaitingConnection>();
  private waitingLines = 0;
  private flushScheduled = false;
  /** UDP flows whose `udp-open` line went out, by flow id, until they leave the model. */
  private readonly announcedUdpFlows = new Set<number>();

  constructor(
    private readonly model: Pick<ConnectionModel, 'describe' | 'connectionCookieOf' | 'udpFlowIdOf'>,
    private readonly selection: EventSelection,
    private readonly output: LineOutput,
    private readonly options: EventStreamOptions = { awaitsNatLookup: false },
  ) {}

  record(record: ModelRecord): void {
    const cookie = this.connectionCookieOf(record);
    const waiting = cookie === 0 ? undefined : this.waiting.get(cookie);
    if (waiting === undefined && !isEventRecord(record)) return;
    const connection = cookie === 0 ? null : this.model.describe(cookie);
    const line = eventLine(record, connection, record.kind === 'udpFlow' && !this.announcedUdpFlows.has(cookie));
    if (line?.type === 'udp-open') this.announcedUdpFlows.add(cookie);
    if (line?.type === 'udp-close') this.announcedUdpFlows.delete(cookie);
    if (waiting !== undefined) {
      if (line !== null) this.addWaiting(waiting, line);
      if (line?.type === 'close' || line?.type === 'udp-close') waiting.closed = true;
      if (!this.options.awaitsNatLookup && (isDescribed(connection) || waiting.closed)) this.release(cookie);
    } else if (line !== null) {
      const birth = isConnectionBirth(record) || line.type === 'udp-open';
      if (birth && (this.options.awaitsNatLookup || !isDescribed(connection))) this.startWaiting(cookie, line);
      else this.ready.push({ cookie, line });
    }
    this.scheduleFlush();
  }

  tick(): void {
    for (const id of this.announcedUdpFlows) if (this.model.describe(id) === null) this.announcedUdpFlows.delete(id);
    for (const [cookie, waiting] of this.waiting) {
      waiting.ticksWaited++;
      // A UDP flow's owner comes with its socket's cookie, which is not the flow's id: look again.
      // Where conntrack is asked, the tick's lookup is in by now: its answer goes out with the line.
      const described = isDescribed(this.model.describe(cookie));
      if (described || (this.options.awaitsNatLookup && waiting.closed) || waiting.ticksWaited >= OWNER_WAIT_TICKS) this.release(cookie);
    }
    this.flush();
  }

  async close(): Promise<void> {
    for (const cookie of [...this.waiting.keys()]) this.release(cookie);
    this.flush();
    await this.output.finish();
  }

  /** The cookie of the connection the record is about (a cookie-less reset or drop: by its tuple); 0 for none. */
  private connectionCookieOf(record: ModelRecord): number {
    switch (record.kind) {
      case 'reset':
      case 'drop':
        return this.model.connectionCookieOf(record);
      case 'udpFlow':
        return this.model.udpFlowIdOf(record);
      case 'sweep':
      case 'container':
      case 'lost':
      case 'gauges':
      case 'udpRefused':
      case 'name':
        return 0;
      default:
        return record.cookie;
    }
  }

  private startWaiting(cookie: number, line: EventLine): void {
    const waiting = { lines: [], ticksWaited: 0, closed: false };
    this.waiting.set(cookie, waiting);
    this.addWaiting(waiting, line);
  }

  private addWaiting(waiting: WaitingConnection, line: EventLine): void {
    waiting.lines.push(line);
    this.waitingLines++;
    if (this.waitingLines > MAX_WAITING_LINES) {
      const [longestWaiting] = this.waiting.keys();
      if (longestWaiting !== undefined) this.release(longestWaiting);
    }
  }

  private release(cookie: number): void {
    const waiting = this.waiting.get(cookie);
    if (waiting === undefined) return;
    this.waiting.delete(cookie);
    this.waitingLines -= waiting.lines.length;
    for (const line of waiting.lines) this.ready.push({ cookie, line });
  }

  /** Records arrive in bursts (a drain of the ring buffer): their lines go out together once it is over. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.ready.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.ready.length === 0) return;
    const described = new Map<number, ConnectionDescription | null>();
    const describe = (cookie: number) => {
      if (!described.has(cookie)) described.set(cookie, this.model.describe(cookie));
      return described.get(cookie) ?? null;
    };
    // Completed now rather than when recorded: the containers of a drain's new cgroups are
    // resolved right after it, and a waiting connection's owner after that.
    const lines = this.ready.map(({ cookie, line }) => (cookie === 0 ? line : completeLine(line, describe(cookie))));
    this.ready = [];
    const selected = this.selection(lines);
    if (selected.length > 0) this.output.writeLines(selected.map((line) => `${JSON.stringify(line)}\n`));
  }
}
