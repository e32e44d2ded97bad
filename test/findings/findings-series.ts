/**
 * Runs the findings engine over a series of hand-built snapshots, one a second, as the capture
 * ticks it: `run(engine, ticks, (tick, atMs) => fields)` builds each tick's snapshot.
 */
import type { Finding } from '../../src/findings/finding.js';
import { FindingsEngine } from '../../src/findings/findings-engine.js';
import { defaultFindingThresholds, type FindingThresholds } from '../../src/findings/finding-thresholds.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { snapshot, T0 } from '../ui/view-model/snapshot-builder.js';

export { T0 };
export const TICK_MS = 1000;

/** The engine's findings after each tick, for ticks 0…count-1 at T0 + tick s. */
export function run(
  count: number,
  build: (tick: number, atMs: number) => Partial<ModelSnapshot>,
  engine = new FindingsEngine(),
): (readonly Finding[])[] {
  const results: (readonly Finding[])[] = [];
  for (let tick = 0; tick < count; tick++) {
    const atMs = T0 + tick * TICK_MS;
    results.push(engine.update(snapshot({ atMs, startedAtMs: T0, connections: [], listeners: [], events: [], ...build(tick, atMs) })));
  }
  return results;
}

/** The finding of `kind` (exactly one expected), or undefined. */
export function only(findings: readonly Finding[], kind: Finding['kind']): Finding | undefined {
  const ofKind = findings.filter((finding) => finding.kind === kind);
  if (ofKind.length > 1) throw new Error(`${ofKind.length} ${kind} findings: ${ofKind.map((finding) => finding.id).join(', ')}`);
  return ofKind[0];
}

/** Each tick's `state/severity` of the finding with `id` (or `-` when absent): a flap shows as a change back. */
export function timeline(results: readonly (readonly Finding[])[], id: string): string[] {
  return results.map((findings) => {
    const finding = findings.find((candidate) => candidate.id === id);
    return finding === undefined ? '-' : `${finding.state}/${finding.severity}`;
  });
}

/** The timeline with runs of one value folded: ['-', 'open/warning', 'resolved/warning']. */
export function changes(line: readonly string[]): string[] {
  return line.filter((value, index) => index === 0 || value !== line[index - 1]);
}

export function thresholds(fields: Partial<FindingThresholds> = {}): FindingThresholds {
  return { ...defaultFindingThresholds, ...fields };
}
