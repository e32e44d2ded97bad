import type { SocketSampleRecord, TcpStateNumber } from './records.js';
import { TcpState } from './records.js';
import type { TcpStateName } from './snapshot-types.js';

const stateNames: ReadonlyMap<TcpStateNumber, TcpStateName> = new Map(
  (Object.entries(TcpState) as [TcpStateName, TcpStateNumber][]).map(([name, state]) => [state, name]),
);

export function tcpStateName(state: TcpStateNumber): TcpStateName {
  const name = stateNames.get(state);
  if (name === undefined) throw new RangeError(`unknown TCP state ${String(state)}`);
  return name;
}

/**
 * A state change away from one of these states means the socket is being born: a connect
 * (CLOSE → SYN_SENT, SYN_SENT → ESTABLISHED) or an accepted child (LISTEN → SYN_RECV when the
 * kernel clones it from the listener, then SYN_RECV / NEW_SYN_RECV → ESTABLISHED).
 */
export function isOpeningState(oldState: TcpStateNumber): boolean {
  return (
    oldState === TcpState.CLOSE ||
    oldState === TcpState.LISTEN ||
    oldState === TcpState.SYN_SENT ||
    oldState === TcpState.SYN_RECV ||
    oldState === TcpState.NEW_SYN_RECV
  );
}

/**
 * How far along its life a connection is. TCP only ever moves forward through these ranks, so a
 * sample (which can lag the state events) may advance the state but never take it back.
 */
export function lifecycleRank(state: TcpStateNumber): number {
  switch (state) {
    case TcpState.SYN_SENT:
    case TcpState.SYN_RECV:
    case TcpState.NEW_SYN_RECV:
    case TcpState.LISTEN:
      return 0;
    case TcpState.ESTABLISHED:
      return 1;
    case TcpState.FIN_WAIT1:
    case TcpState.CLOSE_WAIT:
      return 2;
    case TcpState.FIN_WAIT2:
    case TcpState.CLOSING:
    case TcpState.LAST_ACK:
      return 3;
    case TcpState.TIME_WAIT:
      return 4;
    case TcpState.CLOSE:
      return 5;
  }
}

/**
 * A sample of a timewait sock: what the kernel keeps of a connection after its close, reported
 * without tcp_info (nor inode or uid) under the closed socket's cookie — in TIME_WAIT, or in
 * FIN_WAIT2 for an orphan whose peer has not closed yet. A full socket always comes with tcp_info.
 */
export function isTimewaitSample(record: SocketSampleRecord): boolean {
  return record.counters === null && (record.state === TcpState.TIME_WAIT || record.state === TcpState.FIN_WAIT2);
}
