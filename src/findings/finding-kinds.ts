/** Every kind and severity, in the order they are listed and exported (each metric series exists from 0). */
import type { FindingKind, FindingSeverity } from './finding.js';

export const FINDING_KINDS = [
  'loss',
  'unreachable',
  'refused',
  'resets',
  'closeWaitLeak',
  'acceptQueueOverflow',
  'drops',
  'slowHandshake',
  'hostLimit',
  'stalledReader',
] as const satisfies readonly FindingKind[];

export const FINDING_SEVERITIES = ['critical', 'warning', 'info'] as const satisfies readonly FindingSeverity[];

// A kind added to FindingKind but not listed above does not compile.
type Unlisted = Exclude<FindingKind, (typeof FINDING_KINDS)[number]> | Exclude<FindingSeverity, (typeof FINDING_SEVERITIES)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : never = true;
void everyKindListed;
