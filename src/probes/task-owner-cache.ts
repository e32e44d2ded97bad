/**
 * The task a socket's event names, by the low bits of its pid: under churn a few processes open
 * and close every connection, and each event they caused decoded a new owner object, its command
 * name and a boxed cgroup id. An event whose pid, uid, cgroup and command name are exactly those
 * of the slot's reuses its object; any other replaces it. Records never change their owner, so
 * sharing one is safe — its name is made safe to show here, once, never by a later stage
 * rewriting the shared object (that escaped a hostile name again at each of its events).
 */
import type { TaskOwner } from '../model/records.js';
import { readU64 } from './record-fields.js';

/** A power of two: the slot is the pid's low bits. */
const SLOTS = 64;
/** TASK_COMM_LEN: the name NUL-padded to 16 bytes, compared as four words. */
const COMM_LENGTH = 16;
/** Per slot: pid, uid, the cgroup id's two halves, the name's four words. */
const WORDS = 8;

/** Where a record keeps the fields (byte offsets; `comm` 4-byte aligned). */
export interface TaskOwnerLayout {
  pid: number;
  uid: number;
  cgroup_id: number;
  comm: number;
}

export class TaskOwnerCache {
  private readonly fields = new Uint32Array(SLOTS * WORDS);
  private readonly owners: (TaskOwner | null)[] = new Array<TaskOwner | null>(SLOTS).fill(null);

  /** @param shownName the name as netscope may show it (the sanitiser: a task names itself). */
  constructor(
    private readonly layout: TaskOwnerLayout,
    private readonly shownName: (comm: string) => string,
  ) {}

  /** The owner at `base`, the cached object when it is the one its pid's slot holds. */
  decode(bytes: Buffer, view: DataView, base: number): TaskOwner {
    const L = this.layout;
    const pid = view.getUint32(base + L.pid, true);
    const slot = pid % SLOTS;
    const at = slot * WORDS;
    const fields = this.fields;
    const cached = this.owners[slot];
    if (
      cached != null &&
      fields[at] === pid &&
      fields[at + 1] === view.getUint32(base + L.uid, true) &&
      fields[at + 2] === view.getUint32(base + L.cgroup_id, true) &&
      fields[at + 3] === view.getUint32(base + L.cgroup_id + 4, true) &&
      fields[at + 4] === view.getUint32(base + L.comm, true) &&
      fields[at + 5] === view.getUint32(base + L.comm + 4, true) &&
      fields[at + 6] === view.getUint32(base + L.comm + 8, true) &&
      fields[at + 7] === view.getUint32(base + L.comm + 12, true)
    ) {
      return cached;
    }
    const owner = decodeOwner(bytes, view, base, L, this.shownName);
    fields[at] = pid;
    fields[at + 1] = view.getUint32(base + L.uid, true);
    fields[at + 2] = view.getUint32(base + L.cgroup_id, true);
    fields[at + 3] = view.getUint32(base + L.cgroup_id + 4, true);
    for (let word = 0; word < COMM_LENGTH / 4; word++) fields[at + 4 + word] = view.getUint32(base + L.comm + word * 4, true);
    this.owners[slot] = owner;
    return owner;
  }
}

function decodeOwner(bytes: Buffer, view: DataView, base: number, L: TaskOwnerLayout, shownName: (comm: string) => string): TaskOwner {
  const commStart = base + L.comm;
  let commEnd = commStart;
  while (commEnd < commStart + COMM_LENGTH && bytes[commEnd] !== 0) commEnd++;
  return {
    pid: view.getUint32(base + L.pid, true),
    comm: shownName(bytes.toString('utf8', commStart, commEnd)),
    uid: view.getUint32(base + L.uid, true),
    cgroupId: readU64(view, base + L.cgroup_id),
  };
}
