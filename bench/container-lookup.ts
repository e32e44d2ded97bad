/**
 * What resolving containers costs: a cold lookup (a cgroup seen for the first time: its task's
 * /proc/PID/cgroup, a stat to check the id, the path patterns, docker's config.v2.json) and a
 * cached one (a record about a known cgroup: one Set lookup). Runs on a host root built in a
 * temporary directory — 1,000 docker containers, each with its cgroup directory, a task and
 * its state file — so the figures do not depend on what this host runs.
 *
 *   bin/node-runtime dist/bench/container-lookup.js [--containers 1000] [--notes 1000000]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ContainerResolver } from '../src/enrich/container-resolver.js';
import { hostPaths } from '../src/probes/host-paths.js';

const { values } = parseArgs({ options: { containers: { type: 'string', default: '1000' }, notes: { type: 'string', default: '1000000' } } });
const containerCount = Number(values.containers);
const noteCount = Number(values.notes);

const root = mkdtempSync(path.join(tmpdir(), 'netscope-lookup-bench-'));
try {
  const paths = hostPaths(root);
  const cgroupMount = path.join(paths.sys, 'fs/cgroup');
  mkdirSync(cgroupMount, { recursive: true });
  writeFileSync(path.join(cgroupMount, 'cgroup.controllers'), 'cpu memory pids\n');
  const tasks: { cgroupId: number; pid: number }[] = [];
  for (let index = 0; index < containerCount; index++) {
    const id = index.toString(16).padStart(64, '0');
    const pid = 100_000 + index;
    const cgroup = path.join(cgroupMount, 'system.slice', `docker-${id}.scope`);
    mkdirSync(cgroup, { recursive: true });
    mkdirSync(path.join(paths.proc, String(pid)), { recursive: true });
    writeFileSync(path.join(paths.proc, String(pid), 'cgroup'), `0::/system.slice/docker-${id}.scope\n`);
    const state = path.join(root, 'var/lib/docker/containers', id);
    mkdirSync(state, { recursive: true });
    writeFileSync(
      path.join(state, 'config.v2.json'),
      JSON.stringify({ ID: id, Name: `/app-${index}`, Config: { Image: 'registry.example/app:1', Labels: { team: 'payments' }, Env: Array.from({ length: 40 }, (_, n) => `VAR_${n}=${'x'.repeat(40)}`) } }),
    );
    tasks.push({ cgroupId: statSync(cgroup).ino, pid });
  }

  const resolver = new ContainerResolver(paths, 0);
  for (const { cgroupId, pid } of tasks) resolver.note(cgroupId, pid);
  const coldStarted = process.hrtime.bigint();
  const records = resolver.resolvePending(1);
  const coldNs = Number(process.hrtime.bigint() - coldStarted);
  const named = records.filter((record) => record.container?.name.startsWith('app-')).length;
  if (named !== containerCount) throw new Error(`resolved ${named} of ${containerCount} containers`);

  const cachedStarted = process.hrtime.bigint();
  for (let note = 0; note < noteCount; note++) {
    const task = tasks[note % containerCount] as { cgroupId: number; pid: number };
    resolver.note(task.cgroupId, task.pid);
  }
  const cachedNs = Number(process.hrtime.bigint() - cachedStarted);
  if (resolver.resolvePending(2).length !== 0) throw new Error('a known cgroup was resolved again');

  const coldUs = coldNs / containerCount / 1000;
  const cachedNsPerNote = cachedNs / noteCount;
  console.log(`cold lookup (new cgroup → docker container, ${containerCount} containers): ${coldUs.toFixed(1)} µs each`);
  console.log(`cached lookup (known cgroup, ${noteCount} notes): ${cachedNsPerNote.toFixed(1)} ns each`);
  console.log(`cold/cached: ${Math.round((coldUs * 1000) / cachedNsPerNote)}×`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
