/**
 * The numbers of every connection in the table, one row each in a shared Float64Array. In an
 * object field, a number that is not a small integer (a time in ms, a rate, a byte count past
 * 1 GiB) costs V8 a separate 16-byte box besides the field's 8 bytes; here it costs its 8
 * bytes, and a 100k-connection table's numbers are one allocation instead of a million boxes.
 *
 * Rows are handed out and taken back as connections enter and leave the table; the array grows
 * to the table's largest size and keeps it (at most `maxConnections` rows of 304 bytes).
 */
const GROWTH_FACTOR = 1.5;

export class ConnectionColumns {
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
  static readonly RETRANSMIT_RECORDS = 22;
  static readonly RESETS_SENT = 23;
  static readonly RESETS_RECEIVED = 24;
  // When each kind of problem first and last happened (ms since the epoch); NaN while it never did.
  static readonly FIRST_RETRANSMIT_AT_MS = 25;
  static readonly LAST_RETRANSMIT_AT_MS = 26;
  static readonly FIRST_RESET_AT_MS = 27;
  static readonly LAST_RESET_AT_MS = 28;
  static readonly FIRST_DROP_AT_MS = 29;
  static readonly LAST_DROP_AT_MS = 30;
  // The start of the flow-limit interval (see flow-limit-tracker.ts): the previous sample's
  // time and cumulative counters. Its time is NaN until a sample with limit counters came.
  static readonly LIMIT_START_AT_MS = 31;
  static readonly LIMIT_START_BUSY_US = 32;
  static readonly LIMIT_START_RWND_LIMITED_US = 33;
  static readonly LIMIT_START_SNDBUF_LIMITED_US = 34;
  static readonly LIMIT_START_SEGS_OUT = 35;
  static readonly LIMIT_START_TOTAL_RETRANS = 36;
  static readonly LIMIT_START_BYTES_ACKED = 37;
  static readonly FIELDS = 38;

  private static readonly INITIAL_ROWS = 256;

  /** The rows, `FIELDS` numbers each. Replaced when the table grows: read it anew each time. */
  values = new Float64Array(ConnectionColumns.INITIAL_ROWS * ConnectionColumns.FIELDS);
  private rowsInUse = 0;
  private readonly freeRows: number[] = [];

  /** A row of zeros (an open connection: its close time, problem times and interval start NaN); returns its first offset. */
  allocate(): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.rowsInUse++;
      if (row * ConnectionColumns.FIELDS >= this.values.length) {
        // Half again, not double: a table that just passed 65,536 rows would hold 131,072 rows' room.
        const grown = new Float64Array(Math.ceil(row * GROWTH_FACTOR) * ConnectionColumns.FIELDS);
        grown.set(this.values);
        this.values = grown;
      }
    }
    const base = row * ConnectionColumns.FIELDS;
    // A loop, not fill() per range: under churn three fills a row were 5% of netscope's CPU.
    const values = this.values;
    for (let field = 0; field < ConnectionColumns.FIELDS; field++) values[base + field] = NEW_ROW[field] as number;
    return base;
  }

  /** Takes back the row at `base`: its connection left the table and must not read it again. */
  release(base: number): void {
    this.freeRows.push(base / ConnectionColumns.FIELDS);
  }
}

/** What `allocate` copies into a row. */
const NEW_ROW = (() => {
  const row = new Float64Array(ConnectionColumns.FIELDS);
  row[ConnectionColumns.CLOSED_AT_MS] = Number.NaN;
  row.fill(Number.NaN, ConnectionColumns.FIRST_RETRANSMIT_AT_MS, ConnectionColumns.LAST_DROP_AT_MS + 1);
  row[ConnectionColumns.LIMIT_START_AT_MS] = Number.NaN;
  return row;
})();
