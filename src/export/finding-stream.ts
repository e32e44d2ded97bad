/**
 * `--events` `finding` lines as a capture observer: at each tick, after the findings engine
 * updated, the findings that opened, changed severity or resolved become lines, selected by the
 * same scope flags and filter as the kernel events, on the same writer.
 */
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { Finding } from '../findings/finding.js';
import type { EventSelection } from './event-selection.js';
import type { LineOutput } from './event-stream.js';
import { findingChanges } from './finding-lines.js';

export class FindingStream implements CaptureObserver {
  private previous: readonly Finding[] = [];

  /** @param findings the findings as of the tick being observed (the engine runs before the observers). */
  constructor(
    private readonly findings: () => readonly Finding[],
    private readonly selection: EventSelection,
    private readonly output: LineOutput,
  ) {}

  tick(snapshot: ModelSnapshot): void {
    const current = this.findings();
    const lines = findingChanges(this.previous, current, snapshot.atMs);
    this.previous = current;
    if (lines.length === 0) return;
    const selected = this.selection(lines);
    if (selected.length > 0) this.output.writeLines(selected.map((line) => `${JSON.stringify(line)}\n`));
  }
}
