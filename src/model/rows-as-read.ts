/**
 * A document's rows, each made from the snapshot's when it is read. The document writer streams
 * them one at a time, so a busy host's are never all held as objects at once: at 20,000 open
 * connections the connections' documents were about 30 MB at the end of a `--json` run, which
 * made its last peak.
 */
export class RowsAsRead<Source, Row> implements Iterable<Row> {
  constructor(
    private readonly sources: readonly Source[],
    private readonly make: (source: Source) => Row,
  ) {}

  get length(): number {
    return this.sources.length;
  }

  *[Symbol.iterator](): Iterator<Row> {
    for (const source of this.sources) yield this.make(source);
  }
}
