/**
 * `netscope triage` on the real kernel. On a quiet host it exits 0 and says nothing is wrong;
 * with every fault of the fault fixture at once (test/support/fault-scenarios.ts) it exits 11
 * and lists each fault's finding, worst first, naming the culprit process and port, within its
 * 10 s capture — and nothing about the healthy bulk flow beside them. Replaying its recording
 * states the very same findings. With --flight-dumps, the critical finding a scope keeps writes
 * exactly one dump, mode 0600, around symlinks planted at its names.
 *
 * Other kernel tests run on this host at the same time, and their faults are findings too. So
 * the quiet check is scoped to a port of this file's own (`--port`): a finding elsewhere on the
 * host cannot make it fail, and it cannot pass on an empty scope, because the report must count
 * this file's own flow among what it watched. The fault checks only look at findings naming the
 * fixture's processes; the exit code 11 is theirs whatever else the host has.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
// The named export: with NodeNext, the default import is the CommonJS module object.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { TriageDocument } from '../../src/app/triage.js';
import type { FlightDumpLine } from '../../src/export/critical-finding-dumps.js';
import type { FindingDocument } from '../../src/findings/finding-document.js';
import type { FindingKind } from '../../src/findings/finding.js';
import { severityRank } from '../../src/findings/finding.js';
import { fileStamp } from '../../src/output/file-stamp.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { readRecording } from '../../src/recording/read-recording.js';
import { FAULT_TABLE, faultComms, startFaultScenarios, stopFaultScenarios, type FaultScenarios } from '../support/fault-scenarios.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startPeer, type Peer } from '../support/processes.js';
import { assertOneLineError } from '../support/one-line-error.js';

/** The bound: each fault named within 10 s of netscope watching. */
const FAULT_CAPTURE_SECONDS = 10;
const QUIET_BYTES_PER_SECOND = 200_000;

interface ExpectedFinding {
  fault: string;
  /** What the engine may call it: a blackhole made by a local nftables drop is named for its cause, the firewall. */
  kinds: readonly FindingKind[];
  comm: string;
  port: number;
}

function expectedFindings({ ports }: FaultScenarios): ExpectedFinding[] {
  return [
    { fault: '~20 % loss', kinds: ['loss'], comm: faultComms.lossySender, port: ports.lossy },
    { fault: 'a blackholed port', kinds: ['unreachable', 'drops'], comm: faultComms.blackholeDial, port: ports.blackholed },
    { fault: 'a closed port', kinds: ['refused'], comm: faultComms.refusedDial, port: ports.refused },
    { fault: 'a CLOSE_WAIT leak', kinds: ['closeWaitLeak'], comm: faultComms.leakyServer, port: ports.leaky },
    { fault: 'a full accept queue', kinds: ['acceptQueueOverflow'], comm: faultComms.stuckServer, port: ports.stuck },
  ];
}

function names(finding: FindingDocument, expected: ExpectedFinding): boolean {
  return expected.kinds.includes(finding.kind) && finding.comm === expected.comm && (finding.peerPort === expected.port || finding.localPort === expected.port);
}

function describeFindings(findings: readonly FindingDocument[]): string {
  return findings.map((finding) => `${finding.severity} ${finding.kind} ${finding.comm}:${finding.peerPort ?? finding.localPort} — ${finding.summary}`).join('\n');
}

describe('netscope triage', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-triage-'));
  chmodSync(scratch, 0o700);
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const [args, pattern] of [
    [['triage', '--events'], /triage prints its report and exits — drop --events/],
    [['triage', '-F', 'nginx'], /scope triage with --pid, --port, --container or --pod/],
    [['triage', '--duration', 'soon'], /--duration needs a number of seconds/],
    [['triage', '--flight-dumps', '2', '--flight-minutes', '0'], /--flight-minutes 0 turns the flight recorder off/],
  ] as const) {
    it(`rejects ${args.join(' ')}: one line, exit 2`, async () => {
      const { code, stdout, stderr } = await runNetscope([...args]).done;
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assertOneLineError(stderr, pattern);
    });
  }

  describe('on a quiet host (scoped to a flow of its own)', () => {
    const peers: Peer[] = [];
    let result: Awaited<ReturnType<typeof runNetscope>['done']>;

    before(async () => {
      const port = await freePort();
      const server = startPeer('server', 'triage-quiet', '127.0.0.1', port, 0);
      peers.push(server);
      await server.next('listening');
      const client = startPeer('stream', 'triage-calm', '127.0.0.1', port, QUIET_BYTES_PER_SECOND, 30);
      peers.push(client);
      await client.next('connected');
      result = await runNetscope(['triage', '--duration', '5', '--port', String(port)]).done;
    });

    after(() => {
      for (const peer of peers) peer.stop();
    });

    it('exits 0 and says nothing is wrong, over the flow it watched', () => {
      assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /^netscope triage: nothing is wrong — no warning or critical finding in \d+ s over (\d+) connections of 2 processes\n$/);
      const watched = Number(/over (\d+) connections/.exec(result.stdout)?.[1]);
      assert.ok(watched >= 2, 'both ends of its own flow were watched: the scope was not empty');
      assert.doesNotMatch(result.stdout, /\u001b/, 'no colour when stdout is not a terminal');
    });
  });

  describe('with every fault at once, beside a healthy bulk flow', () => {
    const recordingPath = path.join(scratch, 'faults.ndjson');
    let scenarios: FaultScenarios;
    let live: { code: number | null; document: TriageDocument; stderr: string };
    let ours: FindingDocument[];

    before(async () => {
      scenarios = await startFaultScenarios();
      const run = await runNetscope(['triage', '--json', '--duration', String(FAULT_CAPTURE_SECONDS), '--record', recordingPath]).done;
      live = { code: run.code, document: JSON.parse(run.stdout) as TriageDocument, stderr: run.stderr };
      const fixtureComms = new Set<string>(Object.values(faultComms));
      ours = live.document.findings.filter((finding) => finding.comm !== null && fixtureComms.has(finding.comm));
    });

    after(async () => {
      const pids = Object.values(scenarios.processes).map((peer) => peer.pid);
      await stopFaultScenarios();
      // The fixture's own promise, checked where it is used: nothing of it outlives the test.
      assert.throws(() => execFileSync('nft', ['list', 'table', 'inet', FAULT_TABLE], { stdio: 'ignore' }), 'the table is gone');
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `fault process ${pid} is gone`);
    });

    it('exits 11 (a critical finding) and lists the findings worst first', () => {
      assert.equal(live.code, 11, live.stderr);
      assert.equal(live.document.verdict, 'critical');
      assert.equal(live.document.exitCode, 11);
      const schema = (name: string) => JSON.parse(readFileSync(path.join(packageRoot, 'schema', name), 'utf8')) as object;
      const validate = new Ajv2020({ allErrors: true, strict: true }).addSchema(schema('snapshot.schema.json'), 'snapshot.schema.json').compile(schema('triage.schema.json'));
      assert.ok(validate(live.document), JSON.stringify(validate.errors));
      const ranks = live.document.findings.map((finding) => (finding.state === 'open' ? 0 : 3) + severityRank[finding.severity]);
      assert.deepEqual(ranks, ranks.toSorted((a, b) => a - b), describeFindings(live.document.findings));
    });

    for (const index of [0, 1, 2, 3, 4]) {
      it(`names the culprit process and port of fault ${index + 1}`, () => {
        const expected = expectedFindings(scenarios)[index]!;
        const found = ours.filter((finding) => finding.state === 'open' && names(finding, expected));
        assert.equal(found.length, 1, `${expected.fault}: one open ${expected.kinds.join('/')} finding naming ${expected.comm} and port ${expected.port}; the fixture's findings:\n${describeFindings(ours)}`);
      });
    }

    it('the healthy bulk flow yields none', () => {
      const { ports } = scenarios;
      const healthy = ours.filter((finding) => finding.comm === faultComms.bulkSource || finding.comm === faultComms.bulkSink || finding.peerPort === ports.bulk || finding.localPort === ports.bulk);
      assert.deepEqual(healthy, [], describeFindings(healthy));
    });

    it('one cause, one finding: the faults\u2019 other processes open none of their own', () => {
      const culprits = new Set(expectedFindings(scenarios).map((expected) => expected.comm));
      const others = ours.filter((finding) => finding.state === 'open' && !culprits.has(finding.comm ?? ''));
      assert.deepEqual(others.map((finding) => `${finding.kind} ${finding.comm}`), [], describeFindings(others));
      for (const comm of culprits) {
        const about = ours.filter((finding) => finding.state === 'open' && finding.comm === comm);
        assert.equal(about.length, 1, `${comm}: ${describeFindings(about)}`);
      }
    });

    it('replaying the recording states the very same findings, and the same verdict', async () => {
      const replay = await runNetscope(['triage', '--json', '--replay', recordingPath]).done;
      assert.equal(replay.code, 11, replay.stderr);
      const document = JSON.parse(replay.stdout) as TriageDocument;
      assert.deepEqual(document.findings, live.document.findings);
      assert.equal(document.generatedAt, live.document.generatedAt);
    });

    it('the report for a person: worst first, each with since, evidence and the next step; --port keeps one', async () => {
      const report = await runNetscope(['triage', '--replay', recordingPath]).done;
      assert.equal(report.code, 11);
      const [headline, ...blocks] = report.stdout.trimEnd().split('\n\n');
      assert.match(headline ?? '', /^netscope triage: \d+ findings open \(\d+ critical[,)].* \(replay of .*faults\.ndjson\)$/);
      assert.equal(blocks.length, live.document.findings.length);
      blocks.forEach((block, index) => {
        const finding = live.document.findings[index]!;
        assert.ok(block.startsWith(`${index + 1}.`.padEnd(4) + finding.severity.toUpperCase().padEnd(8)), block);
        assert.match(block, /\n {4}(since|resolved at) \d{2}:\d{2}:\d{2}Z/);
        assert.match(block, /\n {4}evidence: /);
        assert.match(block, /\n {4}next: \S/);
      });
      const scoped = await runNetscope(['triage', '--replay', recordingPath, '--port', String(scenarios.ports.refused)]).done;
      assert.equal(scoped.code, 11);
      assert.match(scoped.stdout, /^netscope triage: 1 finding open \(1 critical\)/);
      assert.match(scoped.stdout, new RegExp(`\\n1\\.  CRITICAL ${faultComms.refusedDial} \\(pid \\d+\\) is refused by 127\\.0\\.0\\.1:${scenarios.ports.refused}`));
    });

    it('with --flight-dumps, the critical finding in scope writes exactly one dump: 0600, never through a planted symlink, and --events says so', async () => {
      const dumps = path.join(scratch, 'dumps');
      mkdirSync(dumps, { mode: 0o700 });
      const victim = path.join(scratch, 'victim');
      writeFileSync(victim, 'keep me');
      // Every name a dump could take in the next 30 s is a symlink to the victim.
      const plantedFrom = Date.now();
      for (let second = 0; second < 30; second++) symlinkSync(victim, path.join(dumps, `netscope-flight-${fileStamp(new Date(plantedFrom + second * 1000))}.ndjson`));
      const run = await runNetscope([
        '--events', '--duration', String(FAULT_CAPTURE_SECONDS), '--port', String(scenarios.ports.refused),
        '--flight-dumps', '5', '--output-dir', dumps,
      ]).done;
      assert.equal(run.code, 0, run.stderr);
      const files = readdirSync(dumps).filter((name) => lstatSync(path.join(dumps, name)).isFile());
      assert.equal(files.length, 1, `${files.join(' ')}\n${run.stderr}`);
      const file = path.join(dumps, files[0]!);
      assert.match(files[0]!, /^netscope-flight-\d{8}-\d{6}-2\.ndjson$/, 'the planted name stepped around');
      assert.equal(lstatSync(file).mode & 0o777, 0o600);
      assert.equal(readFileSync(victim, 'utf8'), 'keep me');
      const said = run.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string })
        .filter((line): line is FlightDumpLine => line.type === 'flightDump');
      assert.equal(said.length, 1, 'one flightDump line on the event stream');
      const { time: _time, findingIds, ...dump } = said[0]!;
      assert.deepEqual(dump, { type: 'flightDump', path: file, bytes: lstatSync(file).size, skippedBecause: null, skippedDumps: 0 });
      assert.equal(findingIds.length, 1);
      assert.match(findingIds[0]!, /^refused:/);
      const recording = await readRecording(file);
      assert.ok(recording.ticks.length >= 2, 'the minutes before it: ticks up to the one it turned critical in');
    });
  });
});
