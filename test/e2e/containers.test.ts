/**
 * Containers, pods and network namespaces on the real kernel: clients in a real Docker
 * container, in a real containerd container placed where the kubelet's CRI plugin puts one, in
 * podman- and CRI-O-shaped cgroups (those engines cannot run here), and in a network namespace
 * of their own, all talk to servers while netscope captures. Three netscope processes watch the
 * same traffic: one on the host as it is, one through --host-root (where the podman and CRI-O
 * state files live), one scoped with --container.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { cgroupV2Mount, hostPaths } from '../../src/probes/host-paths.js';
import { ContainerEngines, TEST_IMAGE } from '../support/container-engines.js';
import { runNetscope, startPeer, startPeerVia, waitUntilCapturing, type NetscopeRun, type Peer } from '../support/processes.js';
import { cgroupMounts } from '../support/cgroup-mounts.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

const PORT = 47_311;
const HOST_SERVER_SENDS = 2000;
const NETNS_SERVER_SENDS = 7000;
const SENDS = { docker: 30_000, kubernetes: 40_000, podman: 50_000, crio: 60_000, crioTruncated: 1100, crioSymlink: 1200, crioDeployment: 1300, crioStatefulSet: 1400, crioJob: 1500, netns: 8000, host: 9000 };
const NETNS = `netscope-test-${process.pid}`;
const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const CRIO_POD_UID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/**
 * The kernel's byte counters (tcpi_bytes_acked/received) advance with the sequence numbers, and
 * the SYN and the FIN take one each: a flow that moved N bytes counts N to N + 2.
 */
function assertBytesWithFin(actual: number, sent: number, what: string): void {
  assert.ok(actual >= sent && actual <= sent + 2, `${what}: ${actual} is not ${sent} (+ SYN and FIN)`);
}

function randomId(): string {
  return execFileSync('head', ['-c', '32', '/dev/urandom']).toString('hex');
}

const ids = {
  kubernetes: randomId(),
  podman: randomId(),
  crio: randomId(),
  crioTruncated: randomId(),
  crioSymlink: randomId(),
  crioDeployment: randomId(),
  crioStatefulSet: randomId(),
  crioJob: randomId(),
  crioSandbox: { deployment: randomId(), statefulSet: randomId(), job: randomId() },
};

/**
 * Pods as their controllers make them, under CRI-O: the pod's labels are in its sandbox's bundle,
 * as JSON text in an annotation; the container's bundle names its sandbox.
 */
const CRIO_WORKLOAD_PODS = [
  { container: ids.crioDeployment, sandbox: ids.crioSandbox.deployment, comm: 'ns-crio-deploy', sends: SENDS.crioDeployment, pod: 'orders-api-5f8d7c9b4d-qwz2k', labels: { app: 'orders-api', 'pod-template-hash': '5f8d7c9b4d' } },
  { container: ids.crioStatefulSet, sandbox: ids.crioSandbox.statefulSet, comm: 'ns-crio-sts', sends: SENDS.crioStatefulSet, pod: 'ledger-1', labels: { 'controller-revision-hash': 'ledger-7c9d8f6b5', 'statefulset.kubernetes.io/pod-name': 'ledger-1' } },
  { container: ids.crioJob, sandbox: ids.crioSandbox.job, comm: 'ns-crio-job', sends: SENDS.crioJob, pod: 'migrate-x7k2p', labels: { 'batch.kubernetes.io/job-name': 'migrate', 'job-name': 'migrate' } },
] as const;

/** A client that waits on stdin before exec'ing the peer, so the test can move it into a cgroup first. */
const WAIT_THEN_EXEC = ['sh', '-c', 'read go; exec "$0" "$@"'];

function sendTo(netscope: NetscopeRun): Promise<SnapshotDocument> {
  return netscope.done.then((result) => {
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as SnapshotDocument;
  });
}

function clientOf(document: SnapshotDocument, predicate: (entry: ConnectionEntry) => boolean, what: string): ConnectionEntry {
  const found = document.connections.filter((entry) => entry.dport === PORT && predicate(entry));
  assert.equal(found.length, 1, `exactly one ${what} connection (found ${found.length})`);
  return found[0] as ConnectionEntry;
}

/** The accepted side of a client's connection: the same tuple reversed, in the same namespace. */
function servedSideOf(document: SnapshotDocument, client: ConnectionEntry): ConnectionEntry {
  const found = document.connections.filter(
    (entry) => entry.sport === PORT && entry.dport === client.sport && entry.netns === client.netns,
  );
  assert.equal(found.length, 1, `exactly one accepted side for client port ${client.sport}`);
  return found[0] as ConnectionEntry;
}

describe('containers, pods and network namespaces on a real host', () => {
  const engines = new ContainerEngines();
  const peers: Peer[] = [];
  const captures: NetscopeRun[] = [];
  const cgroupDirectories: string[] = [];
  const hostRoot = mkdtempSync(path.join(tmpdir(), 'netscope-host-root-'));
  const hostNetns = String(statSync('/proc/self/ns/net').ino);
  let onHost: SnapshotDocument;
  let throughHostRoot: SnapshotDocument;
  let scoped: SnapshotDocument;
  let scopedStderr: string;
  let dockerId: string;
  let pids: { hostServer: number; netnsServer: number; netnsClient: number; hostClient: number };

  /** A cgroup v2 directory shaped as a runtime makes it; removed after the test. */
  function makeCgroup(relativePath: string): string {
    const directory = path.join(cgroupV2Mount(hostPaths()), relativePath);
    mkdirSync(directory, { recursive: true });
    let parent = directory;
    while (parent !== cgroupV2Mount(hostPaths())) {
      if (!cgroupDirectories.includes(parent)) cgroupDirectories.push(parent);
      parent = path.dirname(parent);
    }
    return directory;
  }

  /** Starts a client in a cgroup: the process joins it before it connects. */
  async function clientInCgroup(cgroup: string, title: string, sends: number): Promise<Peer> {
    const client = startPeerVia(WAIT_THEN_EXEC, 'client', title, '127.0.0.1', PORT, sends);
    peers.push(client);
    writeFileSync(path.join(cgroup, 'cgroup.procs'), String(client.pid));
    client.send('go');
    await client.next('closed');
    return client;
  }

  function writeRuntimeState(): void {
    const storage = (root: string) => path.join(hostRoot, root, 'containers/storage/overlay-containers');
    mkdirSync(storage('var/lib'), { recursive: true });
    writeFileSync(
      path.join(storage('var/lib'), 'containers.json'),
      JSON.stringify([
        {
          id: ids.podman,
          names: ['ns-podman'],
          image: 'f'.repeat(64),
          layer: 'e'.repeat(64),
          metadata: JSON.stringify({ 'image-name': 'docker.io/library/alpine:3.20', 'image-id': 'f'.repeat(64), name: 'ns-podman' }),
          created: '2026-11-25T10:00:00Z',
          flags: {},
        },
      ]),
    );
    const crioConfig = (id: string) => {
      const userdata = path.join(storage('run'), id, 'userdata');
      mkdirSync(userdata, { recursive: true });
      return path.join(userdata, 'config.json');
    };
    writeFileSync(
      crioConfig(ids.crio),
      JSON.stringify({
        ociVersion: '1.0.2-dev',
        process: { args: ['/app'] },
        annotations: {
          'io.kubernetes.container.name': 'api',
          'io.kubernetes.pod.name': 'api-6c9f7',
          'io.kubernetes.pod.namespace': 'shop',
          'io.kubernetes.pod.uid': CRIO_POD_UID,
          'io.kubernetes.cri-o.ImageName': 'registry.example/shop/api:3.1',
        },
      }),
    );
    for (const pod of CRIO_WORKLOAD_PODS) {
      const kubelet = { 'io.kubernetes.pod.name': pod.pod, 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': CRIO_POD_UID };
      writeFileSync(crioConfig(pod.sandbox), JSON.stringify({ ociVersion: '1.0.2-dev', annotations: { ...kubelet, 'io.kubernetes.cri-o.Labels': JSON.stringify({ ...kubelet, ...pod.labels }) } }));
      writeFileSync(
        crioConfig(pod.container),
        JSON.stringify({ ociVersion: '1.0.2-dev', annotations: { ...kubelet, 'io.kubernetes.container.name': 'app', 'io.kubernetes.cri-o.SandboxID': pod.sandbox } }),
      );
    }
    writeFileSync(crioConfig(ids.crioTruncated), '{"ociVersion":"1.0.2-dev","annotations":{"io.kubernetes.pod.na');
    symlinkSync('/etc/passwd', crioConfig(ids.crioSymlink));
    // The host root sees the rest of the host as it is: its /proc, /sys and /etc, and /tmp where
    // the test's docker and containerd keep their state.
    for (const shared of ['proc', 'sys', 'etc', 'tmp']) symlinkSync(`/${shared}`, path.join(hostRoot, shared));
  }

  before(async () => {
    await engines.start();
    writeRuntimeState();
    execFileSync('ip', ['netns', 'add', NETNS]);
    execFileSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);

    const hostServer = startPeer('server', 'ns-ctr-srv', '127.0.0.1', PORT, HOST_SERVER_SENDS);
    const netnsServer = startPeerVia(['ip', 'netns', 'exec', NETNS], 'server', 'ns-netns-srv', '127.0.0.1', PORT, NETNS_SERVER_SENDS);
    peers.push(hostServer, netnsServer);
    await Promise.all([hostServer.next('listening'), netnsServer.next('listening')]);

    // Ended by SIGINT once every client is done; the duration only bounds a run that hangs.
    const captureArgs = ['--json', '--duration', '90', '--interval', '500'];
    captures.push(
      runNetscope(captureArgs),
      runNetscope([...captureArgs, '--host-root', hostRoot]),
      runNetscope([...captureArgs, '--container', 'ns-docker-client']),
    );
    for (const capture of captures) await waitUntilCapturing(capture.child.pid!);

    let expectedServed = 0;
    if (engines.dockerProblem === null) {
      dockerId = await engines.docker(
        'run', '-d', '--network', 'host', '--name', 'ns-docker-client', TEST_IMAGE,
        '/bin/sh', '-c', `head -c ${SENDS.docker} /dev/zero | nc 127.0.0.1 ${PORT} > /dev/null; sleep 600`,
      );
      expectedServed++;
    }
    if (engines.containerdProblem === null) {
      await engines.ctr(
        'k8s.io', 'run', '-d', '--net-host', '--rootfs',
        '--cgroup', `/kubepods/burstable/pod${POD_UID}/${ids.kubernetes}`,
        '--annotation', 'io.kubernetes.cri.container-type=container',
        '--annotation', 'io.kubernetes.cri.container-name=web',
        '--annotation', 'io.kubernetes.cri.sandbox-name=web-7d9c4',
        '--annotation', 'io.kubernetes.cri.sandbox-namespace=prod',
        '--annotation', `io.kubernetes.cri.sandbox-uid=${POD_UID}`,
        '--annotation', 'io.kubernetes.cri.image-name=registry.example/web:1.4',
        engines.rootfs, ids.kubernetes,
        '/bin/sh', '-c', `head -c ${SENDS.kubernetes} /dev/zero | nc 127.0.0.1 ${PORT} > /dev/null; sleep 600`,
      );
      expectedServed++;
    }
    const crioPod = `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${CRIO_POD_UID.replaceAll('-', '_')}.slice`;
    await clientInCgroup(makeCgroup(`machine.slice/libpod-${ids.podman}.scope`), 'ns-podman-cli', SENDS.podman);
    await clientInCgroup(makeCgroup(`${crioPod}/crio-${ids.crio}.scope`), 'ns-crio-cli', SENDS.crio);
    await clientInCgroup(makeCgroup(`${crioPod}/crio-${ids.crioTruncated}.scope`), 'ns-crio-trunc', SENDS.crioTruncated);
    await clientInCgroup(makeCgroup(`${crioPod}/crio-${ids.crioSymlink}.scope`), 'ns-crio-link', SENDS.crioSymlink);
    for (const pod of CRIO_WORKLOAD_PODS) await clientInCgroup(makeCgroup(`${crioPod}/crio-${pod.container}.scope`), pod.comm, pod.sends);
    expectedServed += 4 + CRIO_WORKLOAD_PODS.length;

    const netnsClient = startPeerVia(['ip', 'netns', 'exec', NETNS], 'client', 'ns-netns-cli', '127.0.0.1', PORT, SENDS.netns);
    const hostClient = startPeer('client', 'ns-host-cli', '127.0.0.1', PORT, SENDS.host);
    peers.push(netnsClient, hostClient);
    await Promise.all([netnsClient.next('closed'), hostClient.next('closed')]);
    expectedServed++;

    const deadline = Date.now() + 15_000;
    while (hostServer.all('served').length < expectedServed && Date.now() < deadline) await sleep(100);
    assert.equal(hostServer.all('served').length, expectedServed, 'every client reached the host server');
    pids = { hostServer: hostServer.pid, netnsServer: netnsServer.pid, netnsClient: netnsClient.pid, hostClient: hostClient.pid };

    for (const capture of captures) capture.child.kill('SIGINT');
    const [hostDocument, hostRootDocument, scopedDocument] = await Promise.all(captures.map(sendTo));
    [onHost, throughHostRoot, scoped] = [hostDocument!, hostRootDocument!, scopedDocument!];
    scopedStderr = (await captures[2]!.done).stderr;
  });

  after(async () => {
    for (const capture of captures) capture.child.kill('SIGINT');
    for (const peer of peers) peer.stop();
    await sleep(200);
    execFileSync('ip', ['netns', 'delete', NETNS], { stdio: 'ignore' });
    await engines.stop();
    // runc leaves the parents of the cgroups it made, in every hierarchy.
    const runcParents = ['docker', `kubepods/burstable/pod${POD_UID}`, 'kubepods/burstable', 'kubepods'];
    for (const mount of cgroupMounts()) cgroupDirectories.push(...runcParents.map((parent) => path.join(mount, parent)));
    for (const directory of cgroupDirectories.sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(directory);
      } catch {
        // not empty (something else's), or already gone
      }
    }
    rmSync(hostRoot, { recursive: true, force: true });
  });

  it('names the client in a real Docker container: id, name, image, runtime; the server side stays a host process', (t) => {
    if (engines.dockerProblem !== null) return t.skip(`Docker engine unavailable: ${engines.dockerProblem}`);
    const client = clientOf(onHost, (entry) => entry.container?.runtime === 'docker', 'docker client');
    assert.deepEqual(client.container, {
      id: dockerId,
      name: 'ns-docker-client',
      runtime: 'docker',
      image: TEST_IMAGE,
      pod: null,
      namespace: null,
      podUid: null,
      workload: null,
    });
    assert.equal(client.comm, 'nc');
    assertBytesWithFin(client.bytesSent, SENDS.docker, 'docker client sent');
    const served = servedSideOf(onHost, client);
    assert.equal(served.pid, pids.hostServer);
    assert.equal(served.container, null);
  });

  it('names the client in a real containerd container placed like the kubelet does: pod, namespace, container name', (t) => {
    if (engines.containerdProblem !== null) return t.skip(`containerd unavailable: ${engines.containerdProblem}`);
    const client = clientOf(onHost, (entry) => entry.container?.id === ids.kubernetes, 'Kubernetes client');
    assert.deepEqual(client.container, {
      id: ids.kubernetes,
      name: 'web',
      runtime: 'containerd',
      image: 'registry.example/web:1.4',
      pod: 'web-7d9c4',
      namespace: 'prod',
      podUid: POD_UID,
      // containerd keeps no pod labels in the bundle: the pod name's pattern, which cannot tell a DaemonSet's pod from a Job's.
      workload: { kind: null, name: 'web', source: 'podName' },
    });
    assert.equal(servedSideOf(onHost, client).container, null);
  });

  it('names podman- and CRI-O-shaped containers from their state files under --host-root', () => {
    const podman = clientOf(throughHostRoot, (entry) => entry.comm === 'ns-podman-cli', 'podman client');
    assert.deepEqual(podman.container, {
      id: ids.podman,
      name: 'ns-podman',
      runtime: 'podman',
      image: 'docker.io/library/alpine:3.20',
      pod: null,
      namespace: null,
      podUid: null,
      workload: null,
    });
    const crio = clientOf(throughHostRoot, (entry) => entry.comm === 'ns-crio-cli', 'CRI-O client');
    assert.deepEqual(crio.container, {
      id: ids.crio,
      name: 'api',
      runtime: 'cri-o',
      image: 'registry.example/shop/api:3.1',
      pod: 'api-6c9f7',
      namespace: 'shop',
      podUid: CRIO_POD_UID,
      workload: { kind: null, name: 'api', source: 'podName' },
    });
  });

  it("names the workloads of pods placed as a Deployment's, a StatefulSet's and a Job's, from their sandbox's labels", () => {
    const workloadOf = (comm: string) => clientOf(throughHostRoot, (entry) => entry.comm === comm, comm).container?.workload;
    assert.deepEqual(workloadOf('ns-crio-deploy'), { kind: 'Deployment', name: 'orders-api', source: 'labels' });
    assert.deepEqual(workloadOf('ns-crio-sts'), { kind: 'StatefulSet', name: 'ledger', source: 'labels' });
    assert.deepEqual(workloadOf('ns-crio-job'), { kind: 'Job', name: 'migrate', source: 'labels' });
    const deployment = throughHostRoot.containers.find((container) => container.id === ids.crioDeployment);
    assert.deepEqual(deployment?.workload, { kind: 'Deployment', name: 'orders-api', source: 'labels' }, 'containers[] carries it too');
    // Without the host root the state is not found: the pod is unknown, and so is its workload.
    assert.equal(clientOf(onHost, (entry) => entry.comm === 'ns-crio-deploy', 'deployment client (host)').container?.workload, null);
  });

  it('shows a container whose state cannot be read by its short id, and counts why', () => {
    const shortId = (id: string) => id.slice(0, 12);
    const truncated = clientOf(throughHostRoot, (entry) => entry.comm === 'ns-crio-trunc', 'truncated-state client');
    assert.deepEqual(truncated.container, {
      id: ids.crioTruncated,
      name: shortId(ids.crioTruncated),
      runtime: 'cri-o',
      image: null,
      pod: null,
      namespace: null,
      podUid: CRIO_POD_UID,
      workload: null,
    });
    const symlinked = clientOf(throughHostRoot, (entry) => entry.comm === 'ns-crio-link', 'symlinked-state client');
    assert.equal(symlinked.container?.name, shortId(ids.crioSymlink));
    assert.equal(throughHostRoot.source.containerStateProblems.malformed, 1);
    assert.equal(throughHostRoot.source.containerStateProblems.symlink, 1);
    // Without the host root the podman and CRI-O state is elsewhere: runtime from the path, name by short id.
    const podmanOnHost = clientOf(onHost, (entry) => entry.comm === 'ns-podman-cli', 'podman client (host)');
    assert.equal(podmanOnHost.container?.runtime, 'podman');
    assert.equal(podmanOnHost.container?.name, shortId(ids.podman));
    assert.ok((onHost.source.containerStateProblems.notFound ?? 0) >= 4, JSON.stringify(onHost.source.containerStateProblems));
  });

  it('keeps a network namespace of its own apart from host loopback on the same port', () => {
    const inNamespace = clientOf(onHost, (entry) => entry.comm === 'ns-netns-cli', 'namespaced client');
    const onLoopback = clientOf(onHost, (entry) => entry.comm === 'ns-host-cli', 'host client');
    assert.notEqual(inNamespace.netns, hostNetns);
    assert.equal(onLoopback.netns, hostNetns);
    assert.equal(inNamespace.pid, pids.netnsClient);
    assert.equal(onLoopback.pid, pids.hostClient);
    const namespacedServer = servedSideOf(onHost, inNamespace);
    assert.equal(namespacedServer.pid, pids.netnsServer);
    assertBytesWithFin(namespacedServer.bytesSent, NETNS_SERVER_SENDS, 'namespaced server sent');
    assertBytesWithFin(namespacedServer.bytesReceived, SENDS.netns, 'namespaced server received');
    const hostServer = servedSideOf(onHost, onLoopback);
    assert.equal(hostServer.pid, pids.hostServer);
    assertBytesWithFin(hostServer.bytesSent, HOST_SERVER_SENDS, 'host server sent');
    assertBytesWithFin(hostServer.bytesReceived, SENDS.host, 'host server received');
    assert.equal(inNamespace.container, null);
  });

  it('sums each container in containers[], and gives host processes no container', (t) => {
    const byName = new Map(onHost.containers.map((container) => [container.name, container]));
    const expected: [string, number][] = [[ids.podman.slice(0, 12), SENDS.podman]];
    if (engines.dockerProblem === null) expected.push(['ns-docker-client', SENDS.docker]);
    if (engines.containerdProblem === null) expected.push(['web', SENDS.kubernetes]);
    for (const [name, sent] of expected) {
      const container = byName.get(name) ?? assert.fail(`no ${name} in containers[]: ${[...byName.keys()].join(', ')}`);
      assert.equal(container.connections, 1, name);
      assertBytesWithFin(container.bytesSent, sent, `${name} sent`);
      assertBytesWithFin(container.bytesReceived, HOST_SERVER_SENDS, `${name} received`);
    }
    const hostServer = onHost.processes.find((process) => process.pid === pids.hostServer) ?? assert.fail('host server missing');
    assert.equal(hostServer.container, null);
    if (engines.dockerProblem !== null) t.diagnostic(`docker part skipped: ${engines.dockerProblem}`);
  });

  it('--container keeps only that container’s connections', (t) => {
    if (engines.dockerProblem !== null) return t.skip(`Docker engine unavailable: ${engines.dockerProblem}`);
    assert.equal(scopedStderr, '');
    assert.ok(scoped.connections.length >= 1);
    for (const connection of scoped.connections) assert.equal(connection.container?.name, 'ns-docker-client');
    assert.deepEqual(scoped.containers.map((container) => container.name), ['ns-docker-client']);
    assert.ok(scoped.totals.connectionsOpened > scoped.connections.length, 'totals stay host-wide');
  });
});

describe('--container naming nothing', () => {
  it('exits 0 with empty lists and one line on stderr', async () => {
    const result = await runNetscope(['--json', '--duration', '1', '--container', 'no-such-container']).done;
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as SnapshotDocument;
    assert.deepEqual([document.connections, document.containers, document.processes], [[], [], []]);
    assert.match(result.stderr, /^netscope: no container with traffic matched --container no-such-container during the capture — run without it to see the containers netscope saw\n$/);
  });
});
