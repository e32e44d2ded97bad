import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ContainerIdentity, ContainerRuntime } from '../../src/model/records.js';
import { describeContainer, type ContainerMatch, type RuntimeStateRoots } from '../../src/enrich/runtime-state.js';
import { readStateJson } from '../../src/enrich/state-file.js';

const DOCKER_ID = '3d4a20bdbb81078f3a1f512f9da8d235532f3db764efffd4b2a69fd8bc51a0ef';
const CRI_ID = '170e8e2466056c913f673b83f94e32d7d8afdb310bb09c36ffef83616475bd6a';
const SANDBOX_ID = '035f1212285710adacfd27d5da5f40a622f891066fb4267f1bb82592de543a6f';
const NERDCTL_ID = '76def496a4a4979301f8d0e44827a87b4e214ac0ecd48e321730c5cf99f3aaba';
const CRIO_ID = 'd147edefc044c520ed86a3c6cc3fc5f180addfdf17117eda6bcc88d09098133c';
const CRIO_SANDBOX_ID = 'e27f94f5cd452c8c4d108ff7654ce74dcd327a4bc9a51ee5db82c649f5cb9124';
const PODMAN_ID = 'd897f9e4423ae9fd2997e35dccf9324e9c4e2cfd18492f3f69fd997a683552d4';
const PODMAN_INFRA_ID = 'af33132116dd0e11dc3ff8a5368ce62be797b2de3473b1a6bc7e6b511bb7f322';
const IMAGE_ID = 'efbe8fb07043aebf2d825806f62b19faa40655b4904ff14046e3e15e0a5e2c2f';
const LAYER_ID = 'f30a4ae1a3e16359f250df50a216565f4c0944a4f214d14e49c25b9294967da7';
const POD_UID = '1234abcd-0000-1111-2222-333344445555';
/** The single-container cap runtime-state.ts documents. */
const CONTAINER_CONFIG_MAX_BYTES = 4 * 1024 * 1024;

const workDir = mkdtempSync(join(tmpdir(), 'nstest-runtime-state-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** A fresh, empty host root and the state locations under it, as netscope's defaults lay them out. */
interface Host {
  roots: RuntimeStateRoots;
  dockerRoot: string;
  containerdState: string;
  dockerContainerdState: string;
  storageRunRoot: string;
  storageGraphRoot: string;
}

let hostCount = 0;
function freshHost(): Host {
  const root = join(workDir, `host-${++hostCount}`);
  mkdirSync(root);
  const host = {
    dockerRoot: join(root, 'var/lib/docker'),
    containerdState: join(root, 'run/containerd'),
    dockerContainerdState: join(root, 'run/docker/containerd/daemon'),
    storageRunRoot: join(root, 'run/containers/storage'),
    storageGraphRoot: join(root, 'var/lib/containers/storage'),
  };
  return {
    ...host,
    roots: {
      docker: [host.dockerRoot],
      containerd: [host.containerdState, host.dockerContainerdState],
      containersStorage: [host.storageRunRoot, host.storageGraphRoot],
    },
  };
}

const dockerConfigPath = (dataRoot: string, id: string) => join(dataRoot, 'containers', id, 'config.v2.json');
const bundleSpecPath = (stateDir: string, namespace: string, id: string) => join(stateDir, 'io.containerd.runtime.v2.task', namespace, id, 'config.json');
const crioSpecPath = (storageRoot: string, id: string) => join(storageRoot, 'overlay-containers', id, 'userdata', 'config.json');
const storageIndexPath = (storageRoot: string, file = 'containers.json') => join(storageRoot, 'overlay-containers', file);

function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Compact, as the runtimes' Go encoders write it. */
function writeJson(path: string, value: unknown): void {
  writeText(path, JSON.stringify(value));
}

/** `value` as JSON of exactly `bytes` bytes, padded with a field no reader looks at. */
function jsonOfSize(value: Record<string, unknown>, bytes: number): string {
  const text = JSON.stringify({ ...value, Padding: '' });
  return text.replace('"Padding":""', `"Padding":"${'x'.repeat(bytes - text.length)}"`);
}

function match(runtime: ContainerRuntime, id: string, details: Partial<ContainerMatch> = {}): ContainerMatch {
  return { runtime, id, podUid: null, containerdNamespace: null, ...details };
}

/** What a container with no usable state looks like. */
function byShortId(runtime: ContainerRuntime, id: string, podUid: string | null = null): ContainerIdentity {
  return { id, name: id.slice(0, 12), runtime, image: null, pod: null, namespace: null, podUid };
}

/** docker's config.v2.json, as the daemon writes it (trimmed of the network details). */
function dockerConfig(id: string, name: string, image: string, labels: Record<string, string>): Record<string, unknown> {
  return {
    StreamConfig: {},
    State: { Running: true, Paused: false, Restarting: false, OOMKilled: false, RemovalInProgress: false, Dead: false, Pid: 48213, ExitCode: 0, Error: '', StartedAt: '2025-05-01T10:00:01.123456789Z', FinishedAt: '0001-01-01T00:00:00Z', Health: null },
    ID: id,
    Created: '2025-05-01T10:00:00.987654321Z',
    Managed: false,
    Path: '/docker-entrypoint.sh',
    Args: ['nginx', '-g', 'daemon off;'],
    Config: {
      Hostname: id.slice(0, 12),
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: { '80/tcp': {} },
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.27.5'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      Image: image,
      Volumes: null,
      WorkingDir: '',
      Entrypoint: ['/docker-entrypoint.sh'],
      OnBuild: null,
      Labels: labels,
      StopSignal: 'SIGQUIT',
    },
    Image: `sha256:${IMAGE_ID}`,
    ImageManifest: null,
    NetworkSettings: { Bridge: '', SandboxID: LAYER_ID, SandboxKey: '/var/run/docker/netns/6f1c2d3e4a5b', HairpinMode: false, Networks: {}, Ports: {} },
    LogPath: `/var/lib/docker/containers/${id}/${id}-json.log`,
    Name: name,
    Driver: 'overlay2',
    OS: 'linux',
    RestartCount: 0,
    HasBeenStartedBefore: true,
    HasBeenManuallyStopped: false,
    MountPoints: {},
    SecretReferences: null,
    ConfigReferences: null,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: 'docker-default',
    SeccompProfile: '',
    NoNewPrivileges: false,
    HostnamePath: `/var/lib/docker/containers/${id}/hostname`,
    HostsPath: `/var/lib/docker/containers/${id}/hosts`,
    ShmPath: `/var/lib/docker/containers/${id}/mounts/shm`,
    ResolvConfPath: `/var/lib/docker/containers/${id}/resolv.conf`,
    LocalLogCacheMeta: { HaveNotifyEnabled: false },
  };
}

/** The labels the kubelet puts on a container, as cri-dockerd hands them to docker. */
const CRI_DOCKERD_LABELS = {
  'annotation.io.kubernetes.container.hash': '5e2b4b8c',
  'annotation.io.kubernetes.container.restartCount': '0',
  'io.kubernetes.container.logpath': `/var/log/pods/prod_web-7d9_${POD_UID}/web/0.log`,
  'io.kubernetes.container.name': 'web',
  'io.kubernetes.docker.type': 'container',
  'io.kubernetes.pod.name': 'web-7d9',
  'io.kubernetes.pod.namespace': 'prod',
  'io.kubernetes.pod.uid': POD_UID,
  'io.kubernetes.sandbox.id': SANDBOX_ID,
};

/** An OCI runtime spec as a bundle's config.json holds it; no annotations at all when none are given (ctr run). */
function ociSpec(annotations: Record<string, string> | null): Record<string, unknown> {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      user: { uid: 0, gid: 0, additionalGids: [0] },
      args: ['nginx', '-g', 'daemon off;'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: { bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'], effective: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'], permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'] },
      noNewPrivileges: false,
      oomScoreAdj: 1000,
    },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] }],
    ...(annotations === null ? {} : { annotations }),
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 2 } },
      cgroupsPath: `kubepods-besteffort-pod${POD_UID.replaceAll('-', '_')}.slice:cri-containerd:${CRI_ID}`,
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/proc/48200/ns/net' }],
    },
  };
}

/** containerd's CRI annotations on a pod's container, as containerd 1.7 and 2.x write them. */
const CRI_CONTAINER_ANNOTATIONS = {
  'io.kubernetes.cri.container-name': 'web',
  'io.kubernetes.cri.container-type': 'container',
  'io.kubernetes.cri.image-name': 'docker.io/library/nginx:1.27',
  'io.kubernetes.cri.sandbox-id': SANDBOX_ID,
  'io.kubernetes.cri.sandbox-name': 'web-7d9',
  'io.kubernetes.cri.sandbox-namespace': 'prod',
  'io.kubernetes.cri.sandbox-uid': POD_UID,
};

/** The annotations CRI-O writes into a container's spec: its own, then the kubelet's annotations and labels. */
function crioAnnotations(id: string, containerName: string, image: { name: string; requested: string }): Record<string, string> {
  const kubeletLabels = { 'io.kubernetes.container.name': containerName, 'io.kubernetes.pod.name': 'web-7d9', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': POD_UID };
  const kubeletAnnotations = { 'io.kubernetes.container.hash': '5e2b4b8c', 'io.kubernetes.container.restartCount': '0', 'io.kubernetes.pod.terminationGracePeriod': '30' };
  return {
    'io.container.manager': 'cri-o',
    'io.kubernetes.cri-o.Annotations': JSON.stringify(kubeletAnnotations),
    'io.kubernetes.cri-o.ContainerID': id,
    'io.kubernetes.cri-o.ContainerType': 'container',
    'io.kubernetes.cri-o.Created': '2025-05-01T10:00:00.123456789Z',
    'io.kubernetes.cri-o.IP.0': '10.85.0.12',
    'io.kubernetes.cri-o.Image': image.requested,
    'io.kubernetes.cri-o.ImageName': image.name,
    'io.kubernetes.cri-o.ImageRef': IMAGE_ID,
    'io.kubernetes.cri-o.Labels': JSON.stringify(kubeletLabels),
    'io.kubernetes.cri-o.LogPath': `/var/log/pods/prod_web-7d9_${POD_UID}/${containerName}/0.log`,
    'io.kubernetes.cri-o.Metadata': JSON.stringify({ name: containerName }),
    'io.kubernetes.cri-o.MountPoint': `/var/lib/containers/storage/overlay/${LAYER_ID}/merged`,
    'io.kubernetes.cri-o.Name': `k8s_${containerName}_web-7d9_prod_${POD_UID}_0`,
    'io.kubernetes.cri-o.ResolvPath': `/run/containers/storage/overlay-containers/${CRIO_SANDBOX_ID}/userdata/resolv.conf`,
    'io.kubernetes.cri-o.SandboxID': CRIO_SANDBOX_ID,
    'io.kubernetes.cri-o.SandboxName': `k8s_web-7d9_prod_${POD_UID}_0`,
    'io.kubernetes.cri-o.SeccompProfilePath': 'RuntimeDefault',
    'io.kubernetes.cri-o.Stdin': 'false',
    'io.kubernetes.cri-o.StdinOnce': 'false',
    'io.kubernetes.cri-o.TTY': 'false',
    ...kubeletAnnotations,
    ...kubeletLabels,
  };
}

/** One entry of containers/storage's containers.json, with podman's metadata. */
function storageEntry(id: string, name: string, imageName: string): Record<string, unknown> {
  const mountLabel = 'system_u:object_r:container_file_t:s0:c123,c456';
  return {
    id,
    names: [name],
    image: IMAGE_ID,
    layer: LAYER_ID,
    metadata: JSON.stringify({ 'image-name': imageName, 'image-id': IMAGE_ID, name, 'created-at': 1746093600, mountlabel: mountLabel }),
    created: '2025-05-01T10:00:00.123456789Z',
    flags: { MountLabel: mountLabel, ProcessLabel: 'system_u:system_r:container_t:s0:c123,c456' },
  };
}

/** A container of the pod web-7d9 in namespace prod. */
function inPod(id: string, runtime: ContainerRuntime, image: string | null, name = 'web'): ContainerIdentity {
  return { id, name, runtime, image, pod: 'web-7d9', namespace: 'prod', podUid: POD_UID };
}

describe('describeContainer: docker', () => {
  test('names a container from config.v2.json without the leading slash', () => {
    const host = freshHost();
    writeJson(dockerConfigPath(host.dockerRoot, DOCKER_ID), dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>' }));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), host.roots), {
      container: { id: DOCKER_ID, name: 'web', runtime: 'docker', image: 'nginx:1.27', pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test("takes the Kubernetes container, pod and namespace from the kubelet's labels (cri-dockerd)", () => {
    const host = freshHost();
    const name = `/k8s_web_web-7d9_prod_${POD_UID}_0`;
    writeJson(dockerConfigPath(host.dockerRoot, DOCKER_ID), dockerConfig(DOCKER_ID, name, 'docker.io/library/nginx:1.27', CRI_DOCKERD_LABELS));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID, { podUid: POD_UID }), host.roots), {
      container: inPod(DOCKER_ID, 'docker', 'docker.io/library/nginx:1.27'),
      problem: null,
    });
  });

  test('names the pod sandbox POD, as its label says', () => {
    const host = freshHost();
    const labels = { ...CRI_DOCKERD_LABELS, 'io.kubernetes.container.name': 'POD', 'io.kubernetes.docker.type': 'podsandbox' };
    writeJson(dockerConfigPath(host.dockerRoot, DOCKER_ID), dockerConfig(DOCKER_ID, `/k8s_POD_web-7d9_prod_${POD_UID}_0`, 'registry.k8s.io/pause:3.10', labels));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), host.roots), {
      container: inPod(DOCKER_ID, 'docker', 'registry.k8s.io/pause:3.10', 'POD'),
      problem: null,
    });
  });

  test('tries each data-root in order', () => {
    const host = freshHost();
    const movedRoot = join(host.dockerRoot, '..', 'docker-moved');
    writeJson(dockerConfigPath(movedRoot, DOCKER_ID), dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', {}));
    const roots = { ...host.roots, docker: [host.dockerRoot, movedRoot] };
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), roots), {
      container: { id: DOCKER_ID, name: 'web', runtime: 'docker', image: 'nginx:1.27', pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test('shows a container without state by short id, keeping the pod UID from the path', () => {
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID, { podUid: POD_UID }), freshHost().roots), {
      container: byShortId('docker', DOCKER_ID, POD_UID),
      problem: 'notFound',
    });
  });
});

describe('describeContainer: containerd', () => {
  test("reads the CRI annotations of a bundle like this machine's (no type, no image)", () => {
    const host = freshHost();
    const annotations = {
      'io.kubernetes.cri.container-name': 'web',
      'io.kubernetes.cri.sandbox-name': 'web-7d9',
      'io.kubernetes.cri.sandbox-namespace': 'prod',
      'io.kubernetes.cri.sandbox-uid': POD_UID,
    };
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('containerd', CRI_ID), host.roots), {
      container: inPod(CRI_ID, 'containerd', null),
      problem: null,
    });
  });

  test('takes the image from io.kubernetes.cri.image-name', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    assert.deepEqual(describeContainer(match('containerd', CRI_ID, { podUid: POD_UID }), host.roots), {
      container: inPod(CRI_ID, 'containerd', 'docker.io/library/nginx:1.27'),
      problem: null,
    });
  });

  test('names the pod sandbox POD, which has no container name or image of its own', () => {
    const host = freshHost();
    const annotations = {
      'io.kubernetes.cri.container-type': 'sandbox',
      'io.kubernetes.cri.sandbox-id': SANDBOX_ID,
      'io.kubernetes.cri.sandbox-log-directory': `/var/log/pods/prod_web-7d9_${POD_UID}`,
      'io.kubernetes.cri.sandbox-name': 'web-7d9',
      'io.kubernetes.cri.sandbox-namespace': 'prod',
      'io.kubernetes.cri.sandbox-uid': POD_UID,
    };
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', SANDBOX_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('containerd', SANDBOX_ID), host.roots), {
      container: inPod(SANDBOX_ID, 'containerd', null, 'POD'),
      problem: null,
    });
  });

  test('names a plain `ctr run` container by its id, which the user chose', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'default', 'redis-cache'), ociSpec(null));
    assert.deepEqual(describeContainer(match('containerd', 'redis-cache', { containerdNamespace: 'default' }), host.roots), {
      container: { id: 'redis-cache', name: 'redis-cache', runtime: 'containerd', image: null, pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test("names a nerdctl container by nerdctl's name annotation", () => {
    const host = freshHost();
    const annotations = { 'nerdctl/name': 'nginx-a1b2c', 'nerdctl/namespace': 'default', 'nerdctl/networks': '["bridge"]', 'nerdctl/platform': 'linux/amd64' };
    writeJson(bundleSpecPath(host.containerdState, 'default', NERDCTL_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('containerd', NERDCTL_ID, { containerdNamespace: 'default' }), host.roots), {
      container: { id: NERDCTL_ID, name: 'nginx-a1b2c', runtime: 'containerd', image: null, pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test('without a namespace, looks in k8s.io before the others', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'default', CRI_ID), ociSpec(null));
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    assert.deepEqual(describeContainer(match('containerd', CRI_ID), host.roots).container.name, 'web');
  });

  test("without a namespace, finds a bundle in any namespace of any state dir (docker's moby)", () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', SANDBOX_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    writeJson(bundleSpecPath(host.dockerContainerdState, 'moby', CRI_ID), ociSpec(null));
    assert.deepEqual(describeContainer(match('containerd', CRI_ID), host.roots), {
      container: { id: CRI_ID, name: CRI_ID, runtime: 'containerd', image: null, pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test('with a namespace, looks only there', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    assert.deepEqual(describeContainer(match('containerd', CRI_ID, { containerdNamespace: 'default' }), host.roots), {
      container: byShortId('containerd', CRI_ID),
      problem: 'notFound',
    });
  });

  test("falls back to the path's pod UID when the annotations have none", () => {
    const host = freshHost();
    const { 'io.kubernetes.cri.sandbox-uid': _uid, ...annotations } = CRI_CONTAINER_ANNOTATIONS;
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(annotations));
    const pathUid = '99999999-8888-7777-6666-555555555555';
    assert.deepEqual(describeContainer(match('containerd', CRI_ID, { podUid: pathUid }), host.roots), {
      container: { ...inPod(CRI_ID, 'containerd', 'docker.io/library/nginx:1.27'), podUid: pathUid },
      problem: null,
    });
  });
});

describe('describeContainer: CRI-O', () => {
  const expectedWeb: ContainerIdentity = inPod(CRIO_ID, 'cri-o', 'docker.io/library/nginx:1.27');

  test("reads the kubelet's labels and the image from the bundle's annotations under the run root", () => {
    const host = freshHost();
    const annotations = crioAnnotations(CRIO_ID, 'web', { name: 'docker.io/library/nginx:1.27', requested: 'nginx:1.27' });
    writeJson(crioSpecPath(host.storageRunRoot, CRIO_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('cri-o', CRIO_ID), host.roots), { container: expectedWeb, problem: null });
  });

  test('reads the copy under the graph root when the run root has none', () => {
    const host = freshHost();
    const annotations = crioAnnotations(CRIO_ID, 'web', { name: 'docker.io/library/nginx:1.27', requested: 'nginx:1.27' });
    writeJson(crioSpecPath(host.storageGraphRoot, CRIO_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('cri-o', CRIO_ID), host.roots), { container: expectedWeb, problem: null });
  });

  test('falls back to the requested image when the image has no name (pulled by id)', () => {
    const host = freshHost();
    const requested = `docker.io/library/nginx@sha256:${IMAGE_ID}`;
    writeJson(crioSpecPath(host.storageRunRoot, CRIO_ID), ociSpec(crioAnnotations(CRIO_ID, 'web', { name: '', requested })));
    assert.deepEqual(describeContainer(match('cri-o', CRIO_ID), host.roots), { container: { ...expectedWeb, image: requested }, problem: null });
  });

  test('names the infra container POD, as CRI-O labels it', () => {
    const host = freshHost();
    const annotations = { ...crioAnnotations(CRIO_SANDBOX_ID, 'POD', { name: 'registry.k8s.io/pause:3.10', requested: 'registry.k8s.io/pause:3.10' }), 'io.kubernetes.cri-o.ContainerType': 'sandbox' };
    writeJson(crioSpecPath(host.storageRunRoot, CRIO_SANDBOX_ID), ociSpec(annotations));
    assert.deepEqual(describeContainer(match('cri-o', CRIO_SANDBOX_ID), host.roots), {
      container: inPod(CRIO_SANDBOX_ID, 'cri-o', 'registry.k8s.io/pause:3.10', 'POD'),
      problem: null,
    });
  });
});

describe('describeContainer: podman', () => {
  const expectedWeb: ContainerIdentity = { id: PODMAN_ID, name: 'web', runtime: 'podman', image: 'docker.io/library/nginx:latest', pod: null, namespace: null, podUid: null };

  test("finds the container in containers/storage's containers.json", () => {
    const host = freshHost();
    const entries = [storageEntry(PODMAN_INFRA_ID, '6b1f0d2c3a4e-infra', 'localhost/podman-pause:5.4.2-1746000000'), storageEntry(PODMAN_ID, 'web', 'docker.io/library/nginx:latest')];
    writeJson(storageIndexPath(host.storageGraphRoot), entries);
    assert.deepEqual(describeContainer(match('podman', PODMAN_ID), host.roots), { container: expectedWeb, problem: null });
  });

  test('finds a --rm container in volatile-containers.json', () => {
    const host = freshHost();
    writeJson(storageIndexPath(host.storageGraphRoot), [storageEntry(PODMAN_INFRA_ID, 'other', 'docker.io/library/alpine:latest')]);
    writeJson(storageIndexPath(host.storageGraphRoot, 'volatile-containers.json'), [storageEntry(PODMAN_ID, 'web', 'docker.io/library/nginx:latest')]);
    assert.deepEqual(describeContainer(match('podman', PODMAN_ID), host.roots), { container: expectedWeb, problem: null });
  });

  test('shows a container missing from the index by short id', () => {
    const host = freshHost();
    writeJson(storageIndexPath(host.storageGraphRoot), [storageEntry(PODMAN_INFRA_ID, 'other', 'docker.io/library/alpine:latest')]);
    assert.deepEqual(describeContainer(match('podman', PODMAN_ID), host.roots), { container: byShortId('podman', PODMAN_ID), problem: 'notFound' });
  });

  test('keeps the name when the metadata is not JSON, and the image when names are not a list', () => {
    const host = freshHost();
    const badMetadata = { ...storageEntry(PODMAN_ID, 'web', 'unused'), metadata: '{"image-name": "docker.io/lib' };
    const badNames = { ...storageEntry(PODMAN_INFRA_ID, 'unused', 'docker.io/library/alpine:latest'), names: 'infra' };
    writeJson(storageIndexPath(host.storageGraphRoot), [badMetadata, badNames]);
    assert.deepEqual(describeContainer(match('podman', PODMAN_ID), host.roots), { container: { ...expectedWeb, image: null }, problem: null });
    assert.deepEqual(describeContainer(match('podman', PODMAN_INFRA_ID), host.roots), {
      container: { ...byShortId('podman', PODMAN_INFRA_ID), image: 'docker.io/library/alpine:latest' },
      problem: null,
    });
  });

  test('reads an index larger than a single config may be', () => {
    const host = freshHost();
    const others = Array.from({ length: 12_000 }, (_, index) => storageEntry(index.toString(16).padStart(64, '0'), `job-${index}`, 'docker.io/library/alpine:latest'));
    writeJson(storageIndexPath(host.storageGraphRoot), [...others, storageEntry(PODMAN_ID, 'web', 'docker.io/library/nginx:latest')]);
    assert.ok(statSync(storageIndexPath(host.storageGraphRoot)).size > CONTAINER_CONFIG_MAX_BYTES);
    assert.deepEqual(describeContainer(match('podman', PODMAN_ID), host.roots), { container: expectedWeb, problem: null });
  });
});

describe("describeContainer: a runtime the path can't tell", () => {
  test('tries docker first', () => {
    const host = freshHost();
    writeJson(dockerConfigPath(host.dockerRoot, CRI_ID), dockerConfig(CRI_ID, `/k8s_web_web-7d9_prod_${POD_UID}_0`, 'nginx:1.27', CRI_DOCKERD_LABELS));
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    writeJson(crioSpecPath(host.storageRunRoot, CRI_ID), ociSpec(crioAnnotations(CRI_ID, 'web', { name: 'a', requested: 'b' })));
    assert.deepEqual(describeContainer(match('unknown', CRI_ID, { podUid: POD_UID }), host.roots), {
      container: inPod(CRI_ID, 'docker', 'nginx:1.27'),
      problem: null,
    });
  });

  test('then containerd, in every namespace', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    writeJson(crioSpecPath(host.storageRunRoot, CRI_ID), ociSpec(crioAnnotations(CRI_ID, 'web', { name: 'a', requested: 'b' })));
    assert.deepEqual(describeContainer(match('unknown', CRI_ID, { podUid: POD_UID }), host.roots), {
      container: inPod(CRI_ID, 'containerd', 'docker.io/library/nginx:1.27'),
      problem: null,
    });
  });

  test('then CRI-O', () => {
    const host = freshHost();
    writeJson(crioSpecPath(host.storageGraphRoot, CRIO_ID), ociSpec(crioAnnotations(CRIO_ID, 'web', { name: 'quay.io/app/web:2', requested: 'quay.io/app/web:2' })));
    assert.deepEqual(describeContainer(match('unknown', CRIO_ID, { podUid: POD_UID }), host.roots), {
      container: inPod(CRIO_ID, 'cri-o', 'quay.io/app/web:2'),
      problem: null,
    });
  });

  test('stays unknown, by short id, when no runtime has state', () => {
    assert.deepEqual(describeContainer(match('unknown', CRI_ID, { podUid: POD_UID }), freshHost().roots), {
      container: byShortId('unknown', CRI_ID, POD_UID),
      problem: 'notFound',
    });
  });

  test('reports a bad file under the runtime it belongs to when nothing else describes the container', () => {
    const host = freshHost();
    writeText(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), '{"ociVersion":"1.0.2-dev","annotations":{"io.kub');
    assert.deepEqual(describeContainer(match('unknown', CRI_ID), host.roots), { container: byShortId('containerd', CRI_ID), problem: 'malformed' });
  });

  test('lets good state elsewhere outrank a bad file met first', () => {
    const host = freshHost();
    mkdirSync(dirname(dockerConfigPath(host.dockerRoot, CRI_ID)), { recursive: true });
    symlinkSync('/etc/passwd', dockerConfigPath(host.dockerRoot, CRI_ID));
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    assert.deepEqual(describeContainer(match('unknown', CRI_ID), host.roots), {
      container: inPod(CRI_ID, 'containerd', 'docker.io/library/nginx:1.27'),
      problem: null,
    });
  });
});

describe('describeContainer: state files that cannot be trusted or read', () => {
  /** A docker host whose config.v2.json for DOCKER_ID is whatever `plant` puts there. */
  function dockerHostWith(plant: (configPath: string) => void): Host {
    const host = freshHost();
    const configPath = dockerConfigPath(host.dockerRoot, DOCKER_ID);
    mkdirSync(dirname(configPath), { recursive: true });
    plant(configPath);
    return host;
  }

  function assertShownByShortId(host: Host, problem: string): void {
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), host.roots), { container: byShortId('docker', DOCKER_ID), problem });
  }

  test('refuses a symlink to a file elsewhere (/etc/passwd)', () => {
    assertShownByShortId(
      dockerHostWith((configPath) => symlinkSync('/etc/passwd', configPath)),
      'symlink',
    );
  });

  test('refuses a symlink even to a well-formed config', () => {
    const elsewhere = join(workDir, 'elsewhere-config.v2.json');
    writeJson(elsewhere, dockerConfig(DOCKER_ID, '/impostor', 'evil:latest', {}));
    assertShownByShortId(
      dockerHostWith((configPath) => symlinkSync(elsewhere, configPath)),
      'symlink',
    );
  });

  test('returns at once from a FIFO planted as the file', () => {
    const host = dockerHostWith((configPath) => execFileSync('mkfifo', [configPath]));
    // In a child: a read that blocked on the FIFO would block this test runner too. The timeout
    // turns a hang into a failure.
    const runtimeState = new URL('../../src/enrich/runtime-state.js', import.meta.url).href;
    const script = `import { describeContainer } from ${JSON.stringify(runtimeState)};
      console.log(JSON.stringify(describeContainer(${JSON.stringify(match('docker', DOCKER_ID))}, ${JSON.stringify(host.roots)})));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 5_000 });
    assert.deepEqual(JSON.parse(output), { container: byShortId('docker', DOCKER_ID), problem: 'notAFile' });
  });

  test('refuses a directory in place of the file', () => {
    assertShownByShortId(
      dockerHostWith((configPath) => mkdirSync(configPath)),
      'notAFile',
    );
  });

  test('reads a config of exactly 4 MiB and refuses one a byte larger', () => {
    const config = dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', {});
    const atCap = dockerHostWith((configPath) => writeText(configPath, jsonOfSize(config, CONTAINER_CONFIG_MAX_BYTES)));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), atCap.roots), {
      container: { id: DOCKER_ID, name: 'web', runtime: 'docker', image: 'nginx:1.27', pod: null, namespace: null, podUid: null },
      problem: null,
    });
    assertShownByShortId(
      dockerHostWith((configPath) => writeText(configPath, jsonOfSize(config, CONTAINER_CONFIG_MAX_BYTES + 1))),
      'tooLarge',
    );
  });

  test('calls truncated JSON malformed', () => {
    const text = JSON.stringify(dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', {}));
    assertShownByShortId(
      dockerHostWith((configPath) => writeText(configPath, text.slice(0, text.length / 2))),
      'malformed',
    );
  });

  test('calls an empty file malformed', () => {
    assertShownByShortId(
      dockerHostWith((configPath) => writeText(configPath, '')),
      'malformed',
    );
  });

  test('calls JSON of the wrong shape malformed, for every runtime', () => {
    const host = freshHost();
    writeJson(dockerConfigPath(host.dockerRoot, DOCKER_ID), [dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', {})]);
    writeJson(bundleSpecPath(host.containerdState, 'k8s.io', CRI_ID), 'config');
    writeJson(crioSpecPath(host.storageRunRoot, CRIO_ID), null);
    writeJson(storageIndexPath(host.storageGraphRoot), { containers: [storageEntry(PODMAN_ID, 'web', 'nginx')] });
    const lookups = [match('docker', DOCKER_ID), match('containerd', CRI_ID), match('cri-o', CRIO_ID), match('podman', PODMAN_ID)].map((each) => describeContainer(each, host.roots));
    assert.deepEqual(lookups, [
      { container: byShortId('docker', DOCKER_ID), problem: 'malformed' },
      { container: byShortId('containerd', CRI_ID), problem: 'malformed' },
      { container: byShortId('cri-o', CRIO_ID), problem: 'malformed' },
      { container: byShortId('podman', PODMAN_ID), problem: 'malformed' },
    ]);
  });

  test('treats fields of the wrong type as absent and keeps the rest', () => {
    const config = dockerConfig(DOCKER_ID, '/web', 'nginx:1.27', {});
    const labels = { ...CRI_DOCKERD_LABELS, 'io.kubernetes.container.name': 7, 'io.kubernetes.pod.namespace': ['prod'] };
    const host = dockerHostWith((configPath) => writeJson(configPath, { ...config, Config: { ...(config['Config'] as object), Image: { name: 'nginx' }, Labels: labels } }));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), host.roots), {
      container: { id: DOCKER_ID, name: 'web', runtime: 'docker', image: null, pod: 'web-7d9', namespace: null, podUid: POD_UID },
      problem: null,
    });
    const misnamed = dockerHostWith((configPath) => writeJson(configPath, { ...config, Name: 42, Config: 'nginx:1.27' }));
    assert.deepEqual(describeContainer(match('docker', DOCKER_ID), misnamed.roots), { container: byShortId('docker', DOCKER_ID), problem: null });
  });

  test('treats annotations of the wrong type as none', () => {
    const host = freshHost();
    writeJson(bundleSpecPath(host.containerdState, 'default', 'redis-cache'), { ...ociSpec(null), annotations: ['io.kubernetes.cri.container-name=web'] });
    assert.deepEqual(describeContainer(match('containerd', 'redis-cache'), host.roots), {
      container: { id: 'redis-cache', name: 'redis-cache', runtime: 'containerd', image: null, pod: null, namespace: null, podUid: null },
      problem: null,
    });
  });

  test('reads nothing outside the state directories for ids and namespaces that are not one path component', () => {
    const host = freshHost();
    // Where `..` would lead from <docker>/containers/<id>/ and from the task dir's <namespace>/.
    writeJson(join(host.dockerRoot, 'config.v2.json'), dockerConfig(DOCKER_ID, '/escaped', 'evil', {}));
    writeJson(join(host.containerdState, 'redis-cache', 'config.json'), ociSpec(CRI_CONTAINER_ANNOTATIONS));
    assert.deepEqual(describeContainer(match('docker', '..'), host.roots), { container: byShortId('docker', '..'), problem: 'notFound' });
    assert.deepEqual(describeContainer(match('containerd', 'redis-cache', { containerdNamespace: '..' }), host.roots), {
      container: byShortId('containerd', 'redis-cache'),
      problem: 'notFound',
    });
  });
});

describe('readStateJson', () => {
  test('reads a file of exactly maxBytes and refuses one a byte larger', () => {
    const path = join(workDir, 'exact.json');
    writeText(path, '{"a":1}');
    assert.deepEqual(readStateJson(path, 7), { json: { a: 1 } });
    assert.deepEqual(readStateJson(path, 6), { problem: 'tooLarge' });
  });

  test('calls a path through a regular file not found', () => {
    const path = join(workDir, 'plain-file');
    writeText(path, '{}');
    assert.deepEqual(readStateJson(join(path, 'config.json'), 1024), { problem: 'notFound' });
  });

  test('refuses a Unix socket in place of the file', async () => {
    const path = join(workDir, 'planted.sock');
    const server = createServer().listen(path);
    await once(server, 'listening');
    try {
      assert.deepEqual(readStateJson(path, 1024), { problem: 'notAFile' });
    } finally {
      server.close();
    }
  });

  test('calls a file it cannot open for other reasons unreadable', () => {
    assert.deepEqual(readStateJson(join(workDir, 'x'.repeat(300)), 1024), { problem: 'unreadable' });
  });
});
