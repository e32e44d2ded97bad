/**
 * `H` on the Processes pane: one row per process name and container rather than one per pid, as
 * htop's `H` folds threads, so twelve `curl` processes read as one `curl ×12` row whose traffic
 * is theirs summed. Enter on it scopes to all of them. A process with no name has nothing to be
 * grouped by and keeps a row of its own (`×1`, scoped by its pid).
 */
import type { ProcessSnapshot } from '../../model/snapshot-types.js';
import { addTrafficSums, zeroTrafficSums } from '../../model/traffic-aggregation.js';

/** A Processes row: one process, or — grouped — every process of one name in one container. */
export interface ProcessRow extends ProcessSnapshot {
  /** Set on a grouped row: the pids it sums, ascending (its `pid` is the first). Absent on a row of one pid. */
  pids?: readonly number[];
}

/** What a grouped row is keyed and scoped by: the process name and the container's full id (null on the host). */
export interface ProcessName {
  comm: string;
  containerId: string | null;
}

const GROUP_KEY_PREFIX = 'name ';

/** A grouped row's key, `name ["curl",null]`: never all digits, so never a pid key. */
export function processGroupKey(name: ProcessName): string {
  return `${GROUP_KEY_PREFIX}${JSON.stringify([name.comm, name.containerId])}`;
}

/** The name and container of a grouped row's key; null for any other key. */
export function processNameFromKey(key: string): ProcessName | null {
  if (!key.startsWith(GROUP_KEY_PREFIX)) return null;
  const parsed: unknown = JSON.parse(key.slice(GROUP_KEY_PREFIX.length));
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || (typeof parsed[1] !== 'string' && parsed[1] !== null)) return null;
  return { comm: parsed[0], containerId: parsed[1] };
}

/** The key of a Processes row: its name and container when grouped, else its pid. */
export function processRowKey(row: ProcessRow): string {
  return row.pids === undefined || row.comm === null ? String(row.pid) : processGroupKey({ comm: row.comm, containerId: row.container?.id ?? null });
}

/** A value all the group's processes share, else null (two users under one name show as none). */
function shared<Value>(values: readonly Value[]): Value | null {
  const [first] = values;
  return first !== undefined && values.every((value) => value === first) ? first : null;
}

const groupedByRows = new WeakMap<readonly ProcessSnapshot[], readonly ProcessRow[]>();

/**
 * The rows grouped by name and container, in the order of their first pid. Each group takes its
 * first pid's command line and the user its processes share. The same rows in give the same rows
 * out, so the sort and filter memos hold between keystrokes.
 */
export function groupProcesses(rows: readonly ProcessSnapshot[]): readonly ProcessRow[] {
  const cached = groupedByRows.get(rows);
  if (cached !== undefined) return cached;
  const members = new Map<string, ProcessSnapshot[]>();
  for (const row of rows) {
    const key = row.comm === null ? `pid ${row.pid}` : processGroupKey({ comm: row.comm, containerId: row.container?.id ?? null });
    const group = members.get(key);
    if (group === undefined) members.set(key, [row]);
    else group.push(row);
  }
  const grouped: ProcessRow[] = [];
  for (const group of members.values()) {
    const sorted = [...group].sort((a, b) => a.pid - b.pid);
    const [first] = sorted;
    if (first === undefined) continue;
    if (first.comm === null) {
      grouped.push({ ...first, pids: [first.pid] });
      continue;
    }
    const sums = zeroTrafficSums();
    for (const member of sorted) addTrafficSums(sums, member);
    grouped.push({
      ...first,
      ...sums,
      uid: shared(sorted.map((member) => member.uid)),
      user: shared(sorted.map((member) => member.user)),
      pids: sorted.map((member) => member.pid),
    });
  }
  grouped.sort((a, b) => a.pid - b.pid);
  groupedByRows.set(rows, grouped);
  return grouped;
}

/** The PID cell: the pid, or `×12` for a grouped row of twelve (`×1` for a name with one process, so a grouped listing reads alike). */
export function processPidCell(row: ProcessRow): string {
  return row.pids === undefined ? String(row.pid) : `×${row.pids.length}`;
}

/** How many pids a row stands for: what the PID column sorts grouped rows by. */
export function processPidSortValue(row: ProcessRow): number {
  return row.pids === undefined ? row.pid : row.pids.length;
}
