/**
 * The agent's shape, for real. scripts/build-agent-image puts this checkout's build into an
 * image (the files of deploy/Dockerfile's runtime stage; no registry is reachable here to build
 * that), and the image runs under containerd — the runtime of Kubernetes nodes — the way the
 * DaemonSet in deploy/kubernetes asks, read from the manifest itself: the node's PID namespace,
 * a network namespace of its own (no hostNetwork), a read-only root, every capability dropped
 * but the DaemonSet's, the runtime's default seccomp profile, no new privileges, its memory
 * limit, its host paths read-only (recursively) under the host root, and its arguments with
 * --json in place of --headless. (Debian's dockerd 20.10 rejects --cap-add BPF and PERFMON as
 * unknown capabilities, so it cannot run the agent so.)
 *
 * Meanwhile host clients talk to a host server run by another user — one of them holds its
 * connection open, so only the server's /proc/PID/fd can name the accepted side — a Docker
 * container on the host network talks to the same server, and a Docker container with a network
 * namespace of its own holds a connection open inside it (its bytes are known only by sampling
 * inside that namespace). The agent's /metrics is read where the readiness probe reads it.
 * netscope on the host captures the same traffic; the agent must attribute every connection
 * exactly as it does.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { Capability, type CapabilityName } from '../../src/probes/capabilities.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { ContainerEngines, TEST_IMAGE } from '../support/container-engines.js';
import { argumentValue, emptyDirMounts, hostMounts, readAgentManifest } from '../support/deploy-manifests.js';
import { runNetscope, startPeer, startPeerVia, waitUntilCapturing, type NetscopeRun, type Peer } from '../support/processes.js';
import { cgroupMounts } from '../support/cgroup-mounts.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

const run = promisify(execFile);
const AGENT_IMAGE = 'netscope-test/agent:1';
/** The containerd namespace the agent runs in (a Kubernetes node's would be k8s.io). */
const AGENT_NAMESPACE = 'netscope-agent';
const AGENT_ID = 'netscope-agent';
const NETNS_PORT = 5555;
const SENDS = { hostServer: 3000, hostClient: 11_000, hold: 13_000, docker: 12_000, netns: 50_000 };
const NOBODY = 65_534;
/** The capabilities containerd gives a container unless told otherwise: the DaemonSet drops them all. */
const CONTAINERD_DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
  'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

const manifest = readAgentManifest();

/** `1280Mi` → bytes (the binary suffixes a memory limit is written with). */
function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  assert.ok(match, `memory quantity ${quantity}`);
  return Number(match[1]) * 1024 ** ['', 'Ki', 'Mi', 'Gi'].indexOf(match[2] ?? '');
}

/** A capability mask of /proc/PID/status (CapEff, CapBnd). */
function capabilityMask(statusText: string, field: string): bigint {
  const value = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(statusText)?.[1];
  assert.ok(value, `${field} in /proc/PID/status`);
  return BigInt(`0x${value}`);
}

function capabilityBit(name: string): bigint {
  const bit = Capability[name as CapabilityName];
  assert.ok(bit !== undefined, `capability ${name} has no number in src/probes/capabilities.ts`);
  return 1n << BigInt(bit);
}

function statusField(statusText: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(statusText)?.[1];
}

/** Mount point → options, from /proc/PID/mountinfo. */
function mountOptions(pid: number): Map<string, string> {
  const options = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n')) {
    const fields = line.split(' ');
    options.set((fields[4] as string).replace(/\\040/g, ' '), fields[5] as string);
  }
  return options;
}

/**
 * Established sockets with `port` on either side in PID's network namespace: /proc/PID/net/tcp,
 * and tcp6 where a dual-stack listener (busybox nc) put the accepted end.
 */
function establishedOn(pid: number, port: number): number {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['tcp', 'tcp6']
    .flatMap((table) => readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '01' && (fields[1]?.endsWith(portHex) || fields[2]?.endsWith(portHex))).length;
}

/** Where a connection is and whose it is, from the kernel and the cgroups: the same in any capture of it. */
function attribution(entry: ConnectionEntry) {
  const { id, saddr, sport, daddr, dport, netns, pid, comm, uid, cgroupId, container, state } = entry;
  return { id, saddr, sport, daddr, dport, netns, pid, comm, uid, cgroupId, container, state };
}

/**
 * What /proc/PID adds while the process lives: a client that exits right after its connection
 * may be gone, or a zombie, by the tick of one capture and not of the other. Either way that
 * capture has no command line to tell (null, or `[comm]` as htop shows a process without one).
 */
function description(entry: ConnectionEntry): { cmdline: string | null; user: string | null } {
  return { cmdline: entry.cmdline === `[${entry.comm}]` ? null : entry.cmdline, user: entry.user };
}

function exactlyOne(document: SnapshotDocument, predicate: (entry: ConnectionEntry) => boolean, what: string): ConnectionEntry {
  const found = document.connections.filter(predicate);
  assert.equal(found.length, 1, `exactly one ${what} (found ${found.length})`);
  return found[0] as ConnectionEntry;
}

/** The accepted side of a client's connection: the same tuple reversed, in the same namespace. */
function servedSideOf(document: SnapshotDocument, client: ConnectionEntry): ConnectionEntry {
  return exactlyOne(
    document,
    (entry) => entry.sport === client.dport && entry.dport === client.sport && entry.netns === client.netns,
    `accepted side of port ${client.sport}`,
  );
}

/** The DaemonSet's arguments with the capture made finite: --json until SIGINT in place of --headless. */
function agentArguments(): string[] {
  const args = manifest.container.args ?? [];
  assert.ok(args.includes('--headless'), 'the DaemonSet runs --headless');
  return args.flatMap((argument) => (argument === '--headless' ? ['--json', '--duration', '0', '--interval', '500'] : [argument]));
}

/** A counter's value for the series whose labels include `label`, from a Prometheus text scrape. */
function counterValue(scrape: string, metric: string, label: string): number | null {
  const value = new RegExp(`^${metric}\\{[^}]*${label}[^}]*\\} (\\d+)`, 'm').exec(scrape)?.[1];
  return value === undefined ? null : Number(value);
}

interface AgentRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describe('the agent image in a container shaped like the DaemonSet', () => {
  const engines = new ContainerEngines();
  const peers: Peer[] = [];
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-agent-'));
  const hostNetns = String(statSync('/proc/self/ns/net').ino);
  const hostRoot = argumentValue(manifest.container, '--host-root') ?? '/host';
  const grantedCapabilities: string[] = [];
  const notGrantable: string[] = [];
  const mountsLeftOut: string[] = [];
  /** Mount path in the agent → the directory behind it. */
  const emptyDirectories = new Map<string, string>();
  let skipReason: string | null = null;
  let agent: AgentRun | null = null;
  let onHost: NetscopeRun | null = null;
  let agentPid = 0;
  let agentNetns = '';
  let agentStatus = '';
  let agentMounts = new Map<string, string>();
  let scrape = '';
  let flightRecordings: string[] = [];
  let inAgent: SnapshotDocument;
  let fromHost: SnapshotDocument;
  let dockerId: string;
  let netnsContainerId: string;
  let pids: { hostServer: number; hostClient: number };
  /** The host server's port: an ephemeral one, so no earlier run's sockets stand in the way. */
  let serverPort: number;

  function ctr(...args: string[]): Promise<{ stdout: string }> {
    return run('ctr', ['--address', engines.containerdSocket, '-n', AGENT_NAMESPACE, ...args]);
  }

  async function buildAgentImage(): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${engines.dockerSocket}` };
    // The CLI may be newer than Debian's daemon: let it negotiate down.
    delete env.DOCKER_API_VERSION;
    await run(path.join(packageRoot, 'scripts/build-agent-image'), [AGENT_IMAGE], { env });
    // dockerd keeps its images to itself: hand this one to containerd, as a registry pull would.
    await run('bash', ['-o', 'pipefail', '-c', 'docker -H "$1" save "$2" | ctr --address "$3" -n "$4" images import -', '_', `unix://${engines.dockerSocket}`, AGENT_IMAGE, engines.containerdSocket, AGENT_NAMESPACE], { env, maxBuffer: 1 << 20 });
    return `docker.io/${AGENT_IMAGE}`;
  }

  /** `ctr run` flags for the DaemonSet's container spec. */
  async function daemonSetFlags(): Promise<string[]> {
    const { container } = manifest;
    const securityContext = container.securityContext ?? {};
    const flags = ['--with-ns', `pid:/proc/${process.pid}/ns/pid`];
    assert.equal(manifest.daemonSet.spec?.template.spec?.hostPID, true, 'the flags below assume hostPID');
    if (securityContext.readOnlyRootFilesystem) flags.push('--read-only');
    // ctr sets no_new_privs unless --allow-new-privs: allowPrivilegeEscalation: false.
    assert.equal(securityContext.allowPrivilegeEscalation, false);
    if (securityContext.seccompProfile?.type === 'RuntimeDefault') flags.push('--seccomp');
    assert.deepEqual(securityContext.capabilities?.drop, ['ALL']);
    for (const name of CONTAINERD_DEFAULT_CAPABILITIES) flags.push('--cap-drop', `CAP_${name}`);
    const bounding = capabilityMask(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
    for (const name of securityContext.capabilities?.add ?? []) {
      if ((bounding & capabilityBit(name)) === 0n) {
        notGrantable.push(name);
        continue;
      }
      grantedCapabilities.push(name);
      flags.push('--cap-add', `CAP_${name}`);
    }
    const memoryLimit = container.resources?.limits?.memory;
    if (memoryLimit !== undefined) flags.push('--memory-limit', String(quantityBytes(String(memoryLimit))));
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') flags.push('--env', `${variable.name}=${hostname()}`);
    }
    const recursive = new Set((container.volumeMounts ?? []).filter((mount) => mount.recursiveReadOnly === 'IfPossible' || mount.recursiveReadOnly === 'Enabled').map((mount) => mount.mountPath));
    const bind = (source: string, destination: string, readOnly: boolean, recursiveReadOnly: boolean) =>
      flags.push('--mount', `type=bind,src=${source},dst=${destination},options=rbind:${recursiveReadOnly ? 'rro' : readOnly ? 'ro' : 'rw'}`);
    for (const mount of hostMounts(manifest)) {
      // Kubernetes would create the missing runtime directories (DirectoryOrCreate); the test
      // leaves this machine's / as it is.
      if (!existsSync(mount.hostPath)) {
        mountsLeftOut.push(mount.hostPath);
        continue;
      }
      bind(mount.hostPath, mount.mountPath, mount.readOnly, recursive.has(mount.mountPath));
    }
    // An emptyDir is a directory of the node's, made for the pod.
    for (const mountPath of emptyDirMounts(manifest)) {
      const directory = path.join(scratch, `empty-dir${mountPath.replaceAll('/', '-')}`);
      mkdirSync(directory);
      emptyDirectories.set(mountPath, directory);
      bind(directory, mountPath, false, false);
    }
    // The test's dockerd keeps its state in a directory of its own: mounted as the DaemonSet
    // mounts /var/lib/docker/containers, at its own path under the host root.
    const dockerContainers = path.join(await engines.docker('info', '--format', '{{.DockerRootDir}}'), 'containers');
    bind(dockerContainers, path.join(hostRoot, dockerContainers), true, recursive.has(path.join(hostRoot, '/var/lib/docker/containers')));
    return flags;
  }

  function startAgent(image: string, entrypoint: string[], flags: string[]): AgentRun {
    const pidFile = path.join(scratch, 'agent.pid');
    const child = spawn(
      'ctr',
      [
        '--address', engines.containerdSocket, '-n', AGENT_NAMESPACE, 'run', '--rm', '--pid-file', pidFile, ...flags, image, AGENT_ID,
        ...entrypoint, ...agentArguments(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, done };
  }

  async function agentPidFromFile(): Promise<number> {
    const pidFile = path.join(scratch, 'agent.pid');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (agent?.child.exitCode !== null) {
        const result = await agent!.done;
        assert.fail(`the agent exited ${result.code} before capturing: ${result.stderr.trim()}`);
      }
      const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
      if (text !== '') return Number(text);
      await sleep(100);
    }
    assert.fail('the agent container did not start within 30 s');
  }

  before(async () => {
    await engines.start();
    skipReason = engines.dockerProblem === null ? null : `Docker/containerd unavailable: ${engines.dockerProblem}`;
    if (skipReason !== null) return;
    const image = await buildAgentImage();
    const entrypoint = JSON.parse(await engines.docker('image', 'inspect', '--format', '{{json .Config.Entrypoint}}', AGENT_IMAGE)) as string[];

    const hostServer = startPeerVia(
      ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
      'server', 'ag-host-srv', '127.0.0.1', 0, SENDS.hostServer,
    );
    peers.push(hostServer);
    serverPort = (await hostServer.next('listening')).port as number;

    agent = startAgent(image, entrypoint, await daemonSetFlags());
    onHost = runNetscope(['--json', '--duration', '0', '--interval', '500']);
    agentPid = await agentPidFromFile();
    await Promise.all([waitUntilCapturing(agentPid), waitUntilCapturing(onHost.child.pid!)]);
    agentStatus = readFileSync(`/proc/${agentPid}/status`, 'utf8');
    agentNetns = String(statSync(`/proc/${agentPid}/ns/net`).ino);
    agentMounts = mountOptions(agentPid);

    const hostClient = startPeer('client', 'ag-host-cli', '127.0.0.1', serverPort, SENDS.hostClient);
    // Held open past the capture: its accepted side sees no state change in the server's
    // context, so only /proc/PID/fd of the server (another user's) can name its owner.
    const hold = startPeer('hold', 'ag-host-hold', '127.0.0.1', serverPort, SENDS.hold, 0);
    peers.push(hostClient, hold);
    await Promise.all([hostClient.next('closed'), hold.next('connected')]);
    dockerId = await engines.docker(
      'run', '-d', '--network', 'host', '--name', 'ag-docker-client', TEST_IMAGE,
      '/bin/sh', '-c', `head -c ${SENDS.docker} /dev/zero | nc 127.0.0.1 ${serverPort} > /dev/null; sleep 600`,
    );
    netnsContainerId = await engines.docker(
      'run', '-d', '--network', 'none', '--name', 'ag-netns', TEST_IMAGE,
      // busybox nc closes the connection at the end of its stdin: both ends get one that stays open.
      '/bin/sh', '-c', `sleep 600 | nc -l -p ${NETNS_PORT} > /dev/null & sleep 1; (head -c ${SENDS.netns} /dev/zero; sleep 600) | nc 127.0.0.1 ${NETNS_PORT}`,
    );
    const netnsPid = Number(await engines.docker('inspect', '--format', '{{.State.Pid}}', netnsContainerId));
    const deadline = Date.now() + 15_000;
    while ((hostServer.all('served').length < 2 || establishedOn(netnsPid, NETNS_PORT) < 2) && Date.now() < deadline) await sleep(100);
    assert.equal(hostServer.all('served').length, 2, 'the host client and the Docker client reached the host server');
    assert.equal(establishedOn(netnsPid, NETNS_PORT), 2, 'the connection inside the container’s namespace is up');
    // A few ticks, so both captures sample the held connection after its bytes moved.
    await sleep(1500);
    pids = { hostServer: hostServer.pid, hostClient: hostClient.pid };
    // What the kubelet's readiness probe GETs, from inside the pod's network namespace.
    const probe = manifest.container.readinessProbe?.httpGet;
    const metricsPort = manifest.container.ports?.find((port) => port.name === probe?.port || port.containerPort === probe?.port)?.containerPort;
    ({ stdout: scrape } = await run('nsenter', [`--net=/proc/${agentPid}/ns/net`, 'busybox', 'wget', '-qO-', `http://127.0.0.1:${metricsPort}${probe?.path}`]));
    // SIGUSR1 asks for a flight recording, written where --output-dir points.
    const flightDirectory = emptyDirectories.get(argumentValue(manifest.container, '--output-dir') ?? '') ?? assert.fail('--output-dir is not an emptyDir');
    process.kill(agentPid, 'SIGUSR1');
    const flightDeadline = Date.now() + 10_000;
    while ((flightRecordings = readdirSync(flightDirectory)).length === 0 && Date.now() < flightDeadline) await sleep(100);
    flightRecordings = flightRecordings.map((name) => path.join(flightDirectory, name));

    await ctr('tasks', 'kill', '--signal', 'SIGINT', AGENT_ID);
    const [agentResult, hostResult] = await Promise.all([agent.done, onHost.stop()]);
    assert.equal(agentResult.code, 0, `the agent exited ${agentResult.code}: ${agentResult.stderr}`);
    assert.equal(hostResult.code, 0, `netscope on the host exited ${hostResult.code}: ${hostResult.stderr}`);
    inAgent = JSON.parse(agentResult.stdout) as SnapshotDocument;
    fromHost = JSON.parse(hostResult.stdout) as SnapshotDocument;
  });

  after(async () => {
    if (agent?.child.exitCode === null) await ctr('tasks', 'kill', '--signal', 'SIGKILL', AGENT_ID).catch(() => undefined);
    onHost?.child.kill('SIGKILL');
    for (const peer of peers) peer.stop();
    await engines.stop();
    // runc leaves the parents of the cgroups it made, in every hierarchy.
    for (const mount of cgroupMounts()) {
      for (const parent of [AGENT_NAMESPACE, 'docker']) {
        try {
          rmdirSync(path.join(mount, parent));
        } catch {
          // not empty (something else's), or never made
        }
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs with exactly the DaemonSet’s capabilities, seccomp, no new privileges and a read-only root', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const expected = grantedCapabilities.reduce((mask, name) => mask | capabilityBit(name), 0n);
    assert.equal(capabilityMask(agentStatus, 'CapEff').toString(16), expected.toString(16), 'effective capabilities');
    assert.equal(capabilityMask(agentStatus, 'CapBnd').toString(16), expected.toString(16), 'bounding set');
    assert.equal(statusField(agentStatus, 'NoNewPrivs'), '1');
    assert.equal(statusField(agentStatus, 'Seccomp'), '2', 'a seccomp filter (the runtime default profile)');
    assert.match(agentMounts.get('/') ?? '', /^ro\b/, 'the root file system is read-only');
    const hostMountPoints = [...agentMounts].filter(([mountPoint]) => mountPoint.startsWith(`${hostRoot}/`));
    assert.ok(hostMountPoints.length >= 3, JSON.stringify(hostMountPoints));
    for (const [mountPoint, options] of hostMountPoints) assert.match(options, /^ro\b/, `${mountPoint} (and everything below) is read-only`);
    if (notGrantable.length > 0) t.diagnostic(`not in this sandbox's bounding set, so not granted: ${notGrantable.join(', ')} (not needed on Linux 5.11+)`);
    if (mountsLeftOut.length > 0) t.diagnostic(`host paths this machine does not have, not mounted: ${mountsLeftOut.join(', ')}`);
  });

  it('captures with every probe attached, from its own network namespace', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    assert.equal(inAgent.source.kind, 'ebpf');
    for (const probe of inAgent.source.probes) assert.equal(probe.status, 'attached', `${probe.name}: ${probe.reason}`);
    assert.notEqual(agentNetns, hostNetns);
  });

  it('names host processes, another user’s server through its /proc/PID/fd included', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const client = exactlyOne(inAgent, (entry) => entry.dport === serverPort && entry.comm === 'ag-host-cli', 'host client');
    assert.deepEqual([client.pid, client.container, client.netns], [pids.hostClient, null, hostNetns]);
    const server = [pids.hostServer, 'ag-host-srv', NOBODY, 'nobody', null];
    const served = servedSideOf(inAgent, client);
    assert.deepEqual([served.pid, served.comm, served.uid, served.user, served.container], server);
    const held = servedSideOf(inAgent, exactlyOne(inAgent, (entry) => entry.dport === serverPort && entry.comm === 'ag-host-hold', 'held client'));
    assert.equal(held.state, 'ESTABLISHED');
    assert.deepEqual([held.pid, held.comm, held.uid, held.user, held.container], server);
    const listener = inAgent.listeners.find((candidate) => candidate.sport === serverPort && candidate.netns === hostNetns);
    assert.deepEqual([listener?.pid, listener?.user], [pids.hostServer, 'nobody'], 'the listener, older than the capture');
  });

  it('names the Docker container on the host network: id, name, image, runtime docker', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const client = exactlyOne(inAgent, (entry) => entry.dport === serverPort && entry.container !== null, 'Docker client');
    assert.deepEqual(client.container, {
      id: dockerId,
      name: 'ag-docker-client',
      runtime: 'docker',
      image: TEST_IMAGE,
      pod: null,
      namespace: null,
      podUid: null,
      workload: null,
    });
    assert.equal(client.comm, 'nc');
    assert.equal(servedSideOf(inAgent, client).pid, pids.hostServer);
  });

  it('samples inside a container’s own network namespace: the open connection’s bytes', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const client = exactlyOne(inAgent, (entry) => entry.dport === NETNS_PORT && entry.container?.id === netnsContainerId, 'client inside the container');
    assert.equal(client.container?.name, 'ag-netns');
    assert.notEqual(client.netns, hostNetns);
    // No state change follows the handshake: only a sock_diag sample inside the namespace sees these bytes.
    assert.equal(client.state, 'ESTABLISHED');
    assert.ok(client.bytesSent >= SENDS.netns, `sent ${client.bytesSent}, expected at least ${SENDS.netns}`);
    assert.ok(servedSideOf(inAgent, client).bytesReceived >= SENDS.netns);
  });

  it('serves Prometheus metrics where the readiness probe looks, labelled with the containers', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const dockerSent = counterValue(scrape, 'netscope_bytes_sent_total', 'container="ag-docker-client"');
    assert.ok(dockerSent !== null && dockerSent >= SENDS.docker, `the Docker container's bytes: ${dockerSent}`);
    const netnsSent = counterValue(scrape, 'netscope_bytes_sent_total', 'container="ag-netns"');
    assert.ok(netnsSent !== null && netnsSent >= SENDS.netns, `the namespaced container's bytes: ${netnsSent}`);
  });

  it('writes a flight recording on SIGUSR1 into its one writable place, the emptyDir', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    assert.equal(flightRecordings.length, 1, JSON.stringify(flightRecordings));
    const recording = flightRecordings[0]!;
    assert.match(path.basename(recording), /^netscope-flight-\d{8}-\d{6}\.ndjson$/);
    const header = JSON.parse(readFileSync(recording, 'utf8').split('\n')[0]!) as { netscopeRecording?: number };
    assert.ok(header.netscopeRecording !== undefined, 'a recording header');
  });

  it('attributes every one of these connections exactly as netscope on the host does', (t: TestContext) => {
    if (skipReason !== null) return t.skip(skipReason);
    const ours = (entry: ConnectionEntry) =>
      (entry.netns === hostNetns && (entry.sport === serverPort || entry.dport === serverPort)) || entry.container?.id === netnsContainerId;
    const byId = (document: SnapshotDocument) => document.connections.filter(ours).sort((a, b) => a.id.localeCompare(b.id));
    const agentView = byId(inAgent);
    assert.equal(agentView.length, 8, 'four connections, both ends of each');
    assert.deepEqual(agentView.map(attribution), byId(fromHost).map(attribution));
    const hostDescriptions = new Map(fromHost.connections.map((entry) => [entry.id, description(entry)]));
    for (const entry of agentView) {
      const [inAgentDescription, onHostDescription] = [description(entry), hostDescriptions.get(entry.id)];
      if (inAgentDescription.cmdline !== null && onHostDescription?.cmdline !== null) assert.deepEqual(inAgentDescription, onHostDescription, `${entry.comm} ${entry.id}`);
    }
  });
});
