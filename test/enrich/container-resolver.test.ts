import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { ContainerIdentity, ContainerRecord, ContainerStateProblem } from '../../src/model/records.js';
import { ContainerResolver } from '../../src/enrich/container-resolver.js';
import { hostPaths, type HostPaths } from '../../src/probes/host-paths.js';

const workDir = mkdtempSync(join(tmpdir(), 'nstest-container-resolver-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** A realistic 64-hex container id, the same for the same seed. */
function containerId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

const WEB = containerId('web');
const CACHE = containerId('cache');
const API = containerId('api');
const SANDBOX = containerId('api-sandbox');
const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

interface FakeHost {
  paths: HostPaths;
  /** Creates the cgroup in the v2 hierarchy; its inode is its id. */
  makeCgroup(path: string): number;
  /** /proc/PID/cgroup as the kernel writes it: the lines given, one a line. */
  writeTask(pid: number, lines: string[]): void;
  /** A process as /proc shows it: comm with its newline, cmdline NUL-terminated. */
  writeProcess(pid: number, comm: string, argv: string[]): void;
  /** A runtime state file at its path on the host. */
  writeJson(hostPath: string, value: unknown): void;
}

let hostCount = 0;
/** A host root of its own: the v2 mount is detected once per sysfs path, so hosts are never reused. */
function fakeHost(layout: 'pureV2' | 'hybrid'): FakeHost {
  const root = join(workDir, `host-${++hostCount}`);
  const paths = hostPaths(root);
  const cgroupRoot = join(paths.sys, 'fs', 'cgroup');
  const v2Mount = layout === 'pureV2' ? cgroupRoot : join(cgroupRoot, 'unified');
  mkdirSync(v2Mount, { recursive: true });
  mkdirSync(paths.proc, { recursive: true });
  if (layout === 'pureV2') writeFileSync(join(cgroupRoot, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  const writeFile = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  return {
    paths,
    makeCgroup(path) {
      mkdirSync(join(v2Mount, path), { recursive: true });
      return statSync(join(v2Mount, path)).ino;
    },
    writeTask(pid, lines) {
      writeFile(join(paths.proc, String(pid), 'cgroup'), lines.map((line) => `${line}\n`).join(''));
    },
    writeProcess(pid, comm, argv) {
      writeFile(join(paths.proc, String(pid), 'comm'), `${comm}\n`);
      writeFile(join(paths.proc, String(pid), 'cmdline'), argv.map((argument) => `${argument}\0`).join(''));
    },
    // Compact, as the runtimes' Go encoders write it.
    writeJson: (hostPath, value) => writeFile(join(root, hostPath), JSON.stringify(value)),
  };
}

/** docker's config.v2.json, trimmed of the network and mount details. */
function dockerConfig(id: string, name: string, image: string): Record<string, unknown> {
  return {
    StreamConfig: {},
    State: { Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 48213, ExitCode: 0, StartedAt: '2025-05-01T10:00:01.123456789Z' },
    ID: id,
    Created: '2025-05-01T10:00:00.987654321Z',
    Path: '/docker-entrypoint.sh',
    Args: ['nginx', '-g', 'daemon off;'],
    Config: {
      Hostname: id.slice(0, 12),
      User: '',
      ExposedPorts: { '80/tcp': {} },
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.27.5'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      Image: image,
      Entrypoint: ['/docker-entrypoint.sh'],
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': name },
      StopSignal: 'SIGQUIT',
    },
    Image: `sha256:${containerId(image)}`,
    LogPath: `/var/lib/docker/containers/${id}/${id}-json.log`,
    Name: `/${name}`,
    Driver: 'overlay2',
    OS: 'linux',
    RestartCount: 0,
    HostnamePath: `/var/lib/docker/containers/${id}/hostname`,
    ResolvConfPath: `/var/lib/docker/containers/${id}/resolv.conf`,
  };
}

/** An OCI bundle's config.json, trimmed; annotations as containerd's CRI plugin writes them. */
function ociSpec(annotations: Record<string, string>): Record<string, unknown> {
  return {
    ociVersion: '1.1.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/app/server'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], cwd: '/' },
    root: { path: 'rootfs' },
    annotations,
    linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/proc/48200/ns/net' }] },
  };
}

const dockerConfigPath = (dataRoot: string, id: string) => `${dataRoot}/containers/${id}/config.v2.json`;
const bundleSpecPath = (namespace: string, id: string) => `/run/containerd/io.containerd.runtime.v2.task/${namespace}/${id}/config.json`;

function dockerContainer(id: string, name: string, image: string): ContainerIdentity {
  return { id, name, runtime: 'docker', image, pod: null, namespace: null, podUid: null };
}

/** What a container with no usable state looks like. */
function byShortId(runtime: ContainerIdentity['runtime'], id: string): ContainerIdentity {
  return { id, name: id.slice(0, 12), runtime, image: null, pod: null, namespace: null, podUid: null };
}

function containerRecord(
  atMs: number,
  cgroupId: number,
  pid: number | null,
  container: ContainerIdentity | null,
  problem: ContainerStateProblem | null = null,
): ContainerRecord {
  return { kind: 'container', atMs, cgroupId, pid, container, problem };
}

describe('ContainerResolver', () => {
  it('resolves a docker container once: its cgroup noted again is nothing new', () => {
    const host = fakeHost('pureV2');
    const cgroupId = host.makeCgroup(`/system.slice/docker-${WEB}.scope`);
    host.writeTask(100, [`0::/system.slice/docker-${WEB}.scope`]);
    host.writeJson(dockerConfigPath('/var/lib/docker', WEB), dockerConfig(WEB, 'web', 'nginx:1.27'));
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, 100);
    resolver.note(cgroupId, 101);
    assert.deepEqual(resolver.resolvePending(1_000), [containerRecord(1_000, cgroupId, null, dockerContainer(WEB, 'web', 'nginx:1.27'))]);
    resolver.note(cgroupId, 100);
    resolver.note(cgroupId, 102);
    assert.deepEqual(resolver.resolvePending(2_000), []);
  });

  it('a host cgroup is no container', () => {
    const host = fakeHost('pureV2');
    const cgroupId = host.makeCgroup('/system.slice/sshd.service');
    host.writeTask(100, ['0::/system.slice/sshd.service']);
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, 100);
    assert.deepEqual(resolver.resolvePending(1_000), [containerRecord(1_000, cgroupId, null, null)]);
  });

  it('cgroup id 0 (no v2 cgroup known) is never resolved', () => {
    const host = fakeHost('pureV2');
    host.writeTask(100, ['0::/']);
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(0, 100);
    assert.deepEqual(resolver.resolvePending(1_000), []);
  });

  it('a Kubernetes container under containerd, with its pod', () => {
    const host = fakeHost('pureV2');
    const podSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replaceAll('-', '_')}.slice`;
    const cgroupId = host.makeCgroup(`${podSlice}/cri-containerd-${API}.scope`);
    host.writeTask(100, [`0::${podSlice}/cri-containerd-${API}.scope`]);
    host.writeJson(
      bundleSpecPath('k8s.io', API),
      ociSpec({
        'io.kubernetes.cri.container-name': 'api',
        'io.kubernetes.cri.container-type': 'container',
        'io.kubernetes.cri.image-name': 'registry.example.com/shop/api:2.1.0',
        'io.kubernetes.cri.sandbox-id': SANDBOX,
        'io.kubernetes.cri.sandbox-name': 'api-7d9c5b8f4-x2x9q',
        'io.kubernetes.cri.sandbox-namespace': 'shop',
        'io.kubernetes.cri.sandbox-uid': POD_UID,
      }),
    );
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, 100);
    assert.deepEqual(resolver.resolvePending(1_000), [
      containerRecord(1_000, cgroupId, null, {
        id: API,
        name: 'api',
        runtime: 'containerd',
        image: 'registry.example.com/shop/api:2.1.0',
        pod: 'api-7d9c5b8f4-x2x9q',
        namespace: 'shop',
        podUid: POD_UID,
      }),
    ]);
  });
});

describe('ContainerResolver on a hybrid host whose docker placed containers in v1 cgroups only', () => {
  /** All of them stay in the v2 cgroup of containerd, which started their shims. */
  const SHARED_V2_PATH = '/system.slice/containerd.service';
  const containerTask = (id: string) => [`12:memory:/docker/${id}`, `4:pids:/docker/${id}`, `1:name=systemd:/docker/${id}`, `0::${SHARED_V2_PATH}`];
  const hostTask = [`12:memory:${SHARED_V2_PATH}`, `4:pids:${SHARED_V2_PATH}`, `1:name=systemd:${SHARED_V2_PATH}`, `0::${SHARED_V2_PATH}`];
  const HOST_PID = 300;
  const WEB_PID = 200;
  const CACHE_PID = 201;

  function hybridHost(): { host: FakeHost; cgroupId: number } {
    const host = fakeHost('hybrid');
    const cgroupId = host.makeCgroup(SHARED_V2_PATH);
    host.writeTask(HOST_PID, hostTask);
    host.writeTask(WEB_PID, containerTask(WEB));
    host.writeTask(CACHE_PID, containerTask(CACHE));
    host.writeJson(dockerConfigPath('/var/lib/docker', WEB), dockerConfig(WEB, 'web', 'nginx:1.27'));
    host.writeJson(dockerConfigPath('/var/lib/docker', CACHE), dockerConfig(CACHE, 'cache', 'redis:7.4'));
    return { host, cgroupId };
  }

  it('the shared cgroup is the host, each task its own container; later tasks are resolved one by one', () => {
    const { host, cgroupId } = hybridHost();
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, WEB_PID);
    assert.deepEqual(resolver.resolvePending(1_000), [
      containerRecord(1_000, cgroupId, null, null),
      containerRecord(1_000, cgroupId, WEB_PID, dockerContainer(WEB, 'web', 'nginx:1.27')),
    ]);
    resolver.note(cgroupId, WEB_PID);
    resolver.note(cgroupId, CACHE_PID);
    resolver.note(cgroupId, HOST_PID);
    assert.deepEqual(resolver.resolvePending(2_000), [containerRecord(2_000, cgroupId, CACHE_PID, dockerContainer(CACHE, 'cache', 'redis:7.4'))]);
    resolver.note(cgroupId, CACHE_PID);
    resolver.note(cgroupId, HOST_PID);
    assert.deepEqual(resolver.resolvePending(3_000), []);
  });

  it('a host task seen first does not hide the containers that share its v2 cgroup', () => {
    const { host, cgroupId } = hybridHost();
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, HOST_PID);
    assert.deepEqual(resolver.resolvePending(1_000), [containerRecord(1_000, cgroupId, null, null)]);
    resolver.note(cgroupId, WEB_PID);
    assert.deepEqual(resolver.resolvePending(2_000), [containerRecord(2_000, cgroupId, WEB_PID, dockerContainer(WEB, 'web', 'nginx:1.27'))]);
  });

  it('tasks noted in the same tick as the first are resolved too', () => {
    const { host, cgroupId } = hybridHost();
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, WEB_PID);
    resolver.note(cgroupId, CACHE_PID);
    assert.deepEqual(resolver.resolvePending(1_000), [
      containerRecord(1_000, cgroupId, null, null),
      containerRecord(1_000, cgroupId, WEB_PID, dockerContainer(WEB, 'web', 'nginx:1.27')),
      containerRecord(1_000, cgroupId, CACHE_PID, dockerContainer(CACHE, 'cache', 'redis:7.4')),
    ]);
  });
});

describe('ContainerResolver: plain containerd candidates /<namespace>/<id>', () => {
  function resolveOne(host: FakeHost, v2Path: string): { cgroupId: number; records: ContainerRecord[] } {
    const cgroupId = host.makeCgroup(v2Path);
    host.writeTask(100, [`0::${v2Path}`]);
    const resolver = new ContainerResolver(host.paths, 0);
    resolver.note(cgroupId, 100);
    return { cgroupId, records: resolver.resolvePending(1_000) };
  }

  it('confirmed by containerd state: the id is the name', () => {
    const host = fakeHost('pureV2');
    host.writeJson(bundleSpecPath('default', 'redis'), ociSpec({}));
    const { cgroupId, records } = resolveOne(host, '/default/redis');
    assert.deepEqual(records, [containerRecord(1_000, cgroupId, null, { ...byShortId('containerd', 'redis'), name: 'redis' })]);
  });

  it('unconfirmed, with a name as a host cgroup could have: no container', () => {
    const { cgroupId, records } = resolveOne(fakeHost('pureV2'), '/machine/qemu-1-debian');
    assert.deepEqual(records, [containerRecord(1_000, cgroupId, null, null)]);
  });

  it('unconfirmed, with a 64-hex id: a container of a runtime netscope does not know', () => {
    const { cgroupId, records } = resolveOne(fakeHost('pureV2'), `/default/${WEB}`);
    assert.deepEqual(records, [containerRecord(1_000, cgroupId, null, byShortId('unknown', WEB), 'notFound')]);
  });
});

describe('ContainerResolver: runtime state roots', () => {
  it('a daemon started after the resolver is asked again only 30 s after the last time', () => {
    const host = fakeHost('pureV2');
    const resolver = new ContainerResolver(host.paths, 1_000);
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '-H', 'fd://', '--data-root', '/srv/docker']);
    let nextPid = 100;
    const startContainer = (name: string) => {
      const id = containerId(name);
      const pid = nextPid++;
      const cgroupId = host.makeCgroup(`/system.slice/docker-${id}.scope`);
      host.writeTask(pid, [`0::/system.slice/docker-${id}.scope`]);
      host.writeJson(dockerConfigPath('/srv/docker', id), dockerConfig(id, name, 'busybox:1.37'));
      return { id, cgroupId, pid };
    };
    const first = startContainer('first');
    const second = startContainer('second');
    const third = startContainer('third');

    resolver.note(first.cgroupId, first.pid);
    assert.deepEqual(resolver.resolvePending(20_000), [containerRecord(20_000, first.cgroupId, null, byShortId('docker', first.id), 'notFound')]);
    resolver.note(second.cgroupId, second.pid);
    assert.deepEqual(resolver.resolvePending(30_999), [containerRecord(30_999, second.cgroupId, null, byShortId('docker', second.id), 'notFound')]);
    resolver.note(third.cgroupId, third.pid);
    assert.deepEqual(resolver.resolvePending(31_000), [containerRecord(31_000, third.cgroupId, null, dockerContainer(third.id, 'third', 'busybox:1.37'))]);
  });
});

describe('ContainerResolver cost', () => {
  it('cold resolution of a docker cgroup vs a note of a known one (figures only)', (t) => {
    const CGROUPS = 1_000;
    const NOTES = 1_000_000;
    const host = fakeHost('pureV2');
    const cgroups = Array.from({ length: CGROUPS }, (_, index) => {
      const id = containerId(`bench-${index}`);
      const pid = 10_000 + index;
      const cgroupId = host.makeCgroup(`/system.slice/docker-${id}.scope`);
      host.writeTask(pid, [`0::/system.slice/docker-${id}.scope`]);
      host.writeJson(dockerConfigPath('/var/lib/docker', id), dockerConfig(id, `bench-${index}`, 'nginx:1.27'));
      return { cgroupId, pid };
    });
    const resolver = new ContainerResolver(host.paths, 0);

    const coldStart = performance.now();
    for (const { cgroupId, pid } of cgroups) resolver.note(cgroupId, pid);
    const records = resolver.resolvePending(1_000);
    const coldMs = performance.now() - coldStart;

    const cachedStart = performance.now();
    for (let index = 0; index < NOTES; index++) {
      const { cgroupId, pid } = cgroups[index % CGROUPS] as { cgroupId: number; pid: number };
      resolver.note(cgroupId, pid);
    }
    const cachedMs = performance.now() - cachedStart;

    assert.deepEqual(
      { records: records.length, named: records.filter((record) => record.container?.runtime === 'docker' && record.problem === null).length, afterNotes: resolver.resolvePending(2_000) },
      { records: CGROUPS, named: CGROUPS, afterNotes: [] },
    );
    t.diagnostic(`cold: ${((coldMs * 1_000) / CGROUPS).toFixed(1)} µs per new docker cgroup (${CGROUPS} in one resolvePending, files in the page cache)`);
    t.diagnostic(`cached: ${((cachedMs * 1_000) / NOTES).toFixed(4)} µs per note of a known cgroup (${NOTES.toLocaleString('en')} notes over ${CGROUPS} cgroups)`);
  });
});
