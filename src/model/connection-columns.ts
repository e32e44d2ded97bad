import { RowBlocks } from './row-blocks.js';

/**
 * The numbers of every connection in the table, one row each (see RowBlocks): a 100k-connection
 * table's numbers are a hundred allocations instead of a million boxes. At most
 * `maxConnections` rows of 176 bytes. A connection's problem counts and times are on its problem
 * trail (see ProblemTrail): nearly every row would hold them unset.
 */
export class ConnectionColumns extends RowBlocks {
  /** One row's fields, as offsets into it. */
  static readonly FIRST_SEEN_AT_MS = 0;
  static readonly OPENED_AT_MS = 1;
  /** NaN while open. */
  static readonly CLOSED_AT_MS = 2;
  static readonly LAST_ACTIVITY_AT_MS = 3;
  static readonly BYTES_ACKED_PEAK = 4;
  static readonly BYTES_RECEIVED_PEAK = 5;
  static readonly SEGS_OUT_PEAK = 6;
  static readonly SEGS_IN_PEAK = 7;
  static readonly TOTAL_RETRANS_PEAK = 8;
  static readonly BYTES_ACKED_BASELINE = 9;
  static readonly BYTES_RECEIVED_BASELINE = 10;
  static readonly SEGS_OUT_BASELINE = 11;
  static readonly SEGS_IN_BASELINE = 12;
  static readonly TOTAL_RETRANS_BASELINE = 13;
  static readonly SRTT_US = 14;
  static readonly SRTT_AT_MS = 15;
  static readonly SEND_RATE = 16;
  static readonly RECEIVE_RATE = 17;
  static readonly BYTES_SENT_AT_LAST_TICK = 18;
  static readonly BYTES_RECEIVED_AT_LAST_TICK = 19;
  // Socket cookies and namespace inodes are past V8's small integers: boxed in an object field.
  static readonly COOKIE = 20;
  static readonly NETNS = 21;
  static readonly FIELDS = 22;

  /** A row handed out is a new connection's: zeros, its close time NaN. */
  constructor() {
    super(newConnectionRow());
  }
}

function newConnectionRow(): Float64Array {
  const row = new Float64Array(ConnectionColumns.FIELDS);
  row[ConnectionColumns.CLOSED_AT_MS] = Number.NaN;
  return row;
}
