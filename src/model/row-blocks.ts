/**
 * Rows of numbers in Float64Array blocks of a fixed size. In an object field, a number that is
 * not a small integer (a time in ms, a rate, a byte count past 1 GiB) costs V8 a separate
 * 16-byte box besides the field's 8 bytes; in a row it costs its 8 bytes. Blocks, not one array
 * grown by copying: each copy left the array before it to the collector and kept half again of
 * room (the table's columns at 40,000 rows: 15.1 MB for 12.2 MB of rows), and the flight
 * recorder's copying cost 5% of netscope's CPU under churn.
 *
 * Rows are handed out and taken back; the blocks grow with the most rows ever in use and stay.
 */
export class RowBlocks {
  /** Rows per block, a power of two. */
  private static readonly BLOCK_ROWS = 1024;

  private readonly blocks: Float64Array[] = [];
  private rowsInUse = 0;
  private readonly freeRows: number[] = [];
  private readonly newRow: Float64Array;

  /** @param newRow what a row handed out holds; its length is the row's field count. */
  constructor(newRow: Float64Array) {
    this.newRow = newRow;
  }

  static ofZeros(fields: number): RowBlocks {
    return new RowBlocks(new Float64Array(fields));
  }

  /** Numbers in each row. */
  get fields(): number {
    return this.newRow.length;
  }

  /** Hands out a row set to `newRow`; returns its number. */
  allocate(): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.rowsInUse++;
      if (row % RowBlocks.BLOCK_ROWS === 0) this.blocks.push(new Float64Array(RowBlocks.BLOCK_ROWS * this.fields));
    }
    const values = this.blockOf(row);
    const base = this.offsetOf(row);
    const newRow = this.newRow;
    // A loop, not fill() per range: under churn three fills a row were 5% of netscope's CPU.
    for (let field = 0; field < newRow.length; field++) values[base + field] = newRow[field] as number;
    return row;
  }

  /** Takes back `row`: whoever held it must not read it again. */
  release(row: number): void {
    this.freeRows.push(row);
  }

  /** The block holding `row` (blocks are never replaced: a holder may keep it). */
  blockOf(row: number): Float64Array {
    return this.blocks[(row / RowBlocks.BLOCK_ROWS) | 0] as Float64Array;
  }

  /** Where `row`'s first field is in its block. */
  offsetOf(row: number): number {
    return RowBlocks.offsetIn(row, this.fields);
  }

  /** Where `row`'s first field is in its block, for rows of `fields` numbers: a holder of a row computes it rather than keep it. */
  static offsetIn(row: number, fields: number): number {
    return (row % RowBlocks.BLOCK_ROWS) * fields;
  }

  get(row: number, field: number): number {
    return this.blockOf(row)[this.offsetOf(row) + field] as number;
  }

  set(row: number, field: number, value: number): void {
    this.blockOf(row)[this.offsetOf(row) + field] = value;
  }
}
