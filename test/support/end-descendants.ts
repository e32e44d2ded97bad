/**
 * Loaded into every test file's process (scripts/test: `--import`): once the file's tests are
 * over, whatever it started that still runs is killed. A test that hangs fails at the runner's
 * `--test-timeout` before its own cleanup could stop what it started; a netscope left running
 * would hold its probes and load the host through every test after it, and its open pipes kept
 * the file's process alive until CI's deadline.
 */
import { readdirSync } from 'node:fs';
import { after } from 'node:test';
import { statFields } from './proc-stat.js';

function parentOf(pid: number): number | null {
  try {
    return Number(statFields(pid)[1]);
  } catch {
    return null;
  }
}

function descendantsOf(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(Number(name));
    if (parent === null) continue;
    const siblings = childrenOf.get(parent) ?? [];
    siblings.push(Number(name));
    childrenOf.set(parent, siblings);
  }
  const found: number[] = [];
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    for (const child of childrenOf.get(pid) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

function killDescendants(): void {
  for (const pid of descendantsOf(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
}

// In a test file's process (the runner marks them): once its last test ended, timed out or not.
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) after(killDescendants);
