import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerIdentity, ContainerRuntime, ContainerStateProblem } from '../model/records.js';
import { readStateJson } from './state-file.js';
import { escapeUntrustedText } from './untrusted-text.js';
import { workloadFromLabels } from '../model/workload.js';

/** Where each runtime keeps its state, already prefixed by the host root. Several roots per runtime are tried in order. */
export interface RuntimeStateRoots {
  /** docker data-roots (default /var/lib/docker): <root>/containers/<id>/config.v2.json */
  docker: string[];
  /**
   * containerd state dirs (default /run/containerd; docker's managed containerd:
   * /run/docker/containerd/daemon): <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json
   * (the OCI bundle spec)
   */
  containerd: string[];
  /**
   * containers/storage run and graph roots for CRI-O and podman (defaults /run/containers/storage,
   * /var/lib/containers/storage)
   */
  containersStorage: string[];
}

/** A recognised container: what its cgroup path said about it. */
export interface ContainerMatch {
  runtime: ContainerRuntime;
  /** Full container id as the cgroup path names it. */
  id: string;
  /** Kubernetes pod UID when the path carries one (with `-`). */
  podUid: string | null;
  /** Plain containerd: the namespace the path names; null to search them all. */
  containerdNamespace: string | null;
}

/** A container described from its runtime's state files. */
export interface StateLookup {
  /**
   * The container, by short id when no state describes it. Its runtime is the one the state was
   * found for when the path alone could not tell ('unknown' in).
   */
  container: ContainerIdentity;
  /** Why no state file described the container, when none did. */
  problem: ContainerStateProblem | null;
}

/**
 * A single container's config: its largest part is the environment, which exec caps at a quarter
 * of the stack limit (2 MiB under the usual 8 MiB); mounts, seccomp rules and docker's networks
 * add tens of KiB.
 */
const CONTAINER_CONFIG_MAX_BYTES = 4 * 1024 * 1024;
/**
 * containers/storage's index of every container on the host, about 1–2 KiB per container:
 * 32 MiB holds some 20,000, far more than a podman host runs, yet bounds what a new cgroup costs.
 */
const STORAGE_INDEX_MAX_BYTES = 32 * 1024 * 1024;

const SHORT_ID_LENGTH = 12;

// Labels the kubelet sets on every container (k8s.io/kubelet/pkg/types/labels.go). docker keeps
// them as labels (dockershim, cri-dockerd); CRI-O copies them into the OCI spec's annotations.
const KUBE_CONTAINER_NAME = 'io.kubernetes.container.name';
const KUBE_POD_NAME = 'io.kubernetes.pod.name';
const KUBE_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const KUBE_POD_UID = 'io.kubernetes.pod.uid';

// containerd's CRI plugin annotations (pkg/cri/annotations). Container name and image are
// written for containers only, not for the pod sandbox.
const CRI_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';
const CRI_CONTAINER_NAME = 'io.kubernetes.cri.container-name';
const CRI_IMAGE_NAME = 'io.kubernetes.cri.image-name';
const CRI_SANDBOX_NAME = 'io.kubernetes.cri.sandbox-name';
const CRI_SANDBOX_NAMESPACE = 'io.kubernetes.cri.sandbox-namespace';
const CRI_SANDBOX_UID = 'io.kubernetes.cri.sandbox-uid';
const CRI_SANDBOX_TYPE = 'sandbox';
/** nerdctl passes its labels to the OCI spec as annotations; this one is the container's name. */
const NERDCTL_NAME = 'nerdctl/name';
/** The name the kubelet gives a pod's sandbox (pause) container. */
const SANDBOX_CONTAINER_NAME = 'POD';
/** Kubernetes' own namespace in containerd, where nearly every container on a node lives. */
const KUBERNETES_CONTAINERD_NAMESPACE = 'k8s.io';
const CONTAINERD_TASK_DIR = 'io.containerd.runtime.v2.task';

// CRI-O (internal/annotations): ImageName is "some name" of the image and empty when the pod
// named the image by id; Image is what the pod spec asked for.
const CRIO_IMAGE_NAME = 'io.kubernetes.cri-o.ImageName';
const CRIO_REQUESTED_IMAGE = 'io.kubernetes.cri-o.Image';
/** The sandbox (pod) a CRI-O container runs in, and a bundle's labels as JSON text. */
const CRIO_SANDBOX_ID = 'io.kubernetes.cri-o.SandboxID';
const CRIO_LABELS = 'io.kubernetes.cri-o.Labels';

// containers/storage keeps <driver>-containers/containers.json, and volatile-containers.json
// for containers that need not survive a reboot (podman run --rm); <id>/userdata holds the
// bundle CRI-O runs. Only the overlay driver is looked at: it is the default everywhere.
const STORAGE_CONTAINERS_DIR = 'overlay-containers';
const STORAGE_INDEX_FILES = ['containers.json', 'volatile-containers.json'];

/** What one state file says about a container; null where it says nothing. */
interface StateDescription {
  name: string | null;
  image: string | null;
  pod: string | null;
  namespace: string | null;
  podUid: string | null;
  /** The pod's labels where the state keeps them (docker's, CRI-O's sandbox); empty otherwise. */
  podLabels?: Record<string, string>;
}

/** One place a runtime may keep a container's state. */
interface StateSource {
  runtime: ContainerRuntime;
  path: string;
  maxBytes: number;
  /** The container in the parsed file, or why the file does not describe it. */
  describe: (json: unknown) => StateDescription | ContainerStateProblem;
}

/**
 * Describes a container from its runtime's state files on disk, without asking the engine.
 * The first file that describes the container wins. When none does, the container shows by its
 * short id with the first problem met (a bad file outranks a missing one). Never throws.
 */
export function describeContainer(match: ContainerMatch, roots: RuntimeStateRoots): StateLookup {
  let firstProblem: { runtime: ContainerRuntime; problem: ContainerStateProblem } | null = null;
  for (const source of stateSources(match, roots)) {
    const read = readStateJson(source.path, source.maxBytes);
    const described = 'json' in read ? source.describe(read.json) : read.problem;
    if (typeof described !== 'string') {
      return { container: identity(match, source.runtime, described), problem: null };
    }
    if (described !== 'notFound' && firstProblem === null) firstProblem = { runtime: source.runtime, problem: described };
  }
  const { runtime, problem } = firstProblem ?? { runtime: match.runtime, problem: 'notFound' };
  return { container: identity(match, runtime, null), problem };
}

/** Whoever can start a container names it: its names pass the sanitiser here, once. */
function identity(match: ContainerMatch, runtime: ContainerRuntime, described: StateDescription | null): ContainerIdentity {
  const clean = (text: string | null | undefined) => (text === null || text === undefined ? null : escapeUntrustedText(text));
  const container: ContainerIdentity = {
    id: match.id,
    name: clean(described?.name) ?? match.id.slice(0, SHORT_ID_LENGTH),
    runtime,
    image: clean(described?.image),
    pod: clean(described?.pod),
    namespace: clean(described?.namespace),
    podUid: clean(described?.podUid) ?? match.podUid,
  };
  const workload = container.pod === null || !described?.podLabels ? null : workloadFromLabels(container.pod, described.podLabels);
  if (workload !== null) container.workload = { ...workload, name: escapeUntrustedText(workload.name) };
  return container;
}

/** Where the state may be, in the order tried. */
function* stateSources(match: ContainerMatch, roots: RuntimeStateRoots): Generator<StateSource> {
  // The id becomes a path component: anything that would leave the state directory finds nothing.
  if (!isPathComponent(match.id)) return;
  switch (match.runtime) {
    case 'docker':
      yield* dockerSources(match.id, roots);
      return;
    case 'containerd':
      yield* containerdSources(match.id, match.containerdNamespace, roots);
      return;
    case 'cri-o':
      yield* crioSources(match.id, roots);
      return;
    case 'podman':
      yield* podmanSources(match.id, roots);
      return;
    case 'unknown':
      // A Kubernetes cgroupfs path looks the same under all three.
      yield* dockerSources(match.id, roots);
      yield* containerdSources(match.id, match.containerdNamespace, roots);
      yield* crioSources(match.id, roots);
      return;
  }
}

function* dockerSources(id: string, roots: RuntimeStateRoots): Generator<StateSource> {
  for (const root of roots.docker) {
    const path = join(root, 'containers', id, 'config.v2.json');
    yield { runtime: 'docker', path, maxBytes: CONTAINER_CONFIG_MAX_BYTES, describe: describeDockerConfig };
  }
}

function* containerdSources(id: string, namespace: string | null, roots: RuntimeStateRoots): Generator<StateSource> {
  if (namespace !== null && !isPathComponent(namespace)) return;
  for (const stateDir of roots.containerd) {
    const taskDir = join(stateDir, CONTAINERD_TASK_DIR);
    for (const candidate of namespace === null ? containerdNamespaces(taskDir) : [namespace]) {
      const path = join(taskDir, candidate, id, 'config.json');
      yield { runtime: 'containerd', path, maxBytes: CONTAINER_CONFIG_MAX_BYTES, describe: (json) => describeContainerdSpec(json, id) };
    }
  }
}

/** The namespaces with task bundles, Kubernetes' first, the rest in name order. */
function containerdNamespaces(taskDir: string): string[] {
  let namespaces: string[];
  try {
    namespaces = readdirSync(taskDir);
  } catch {
    return [];
  }
  const others = namespaces.filter((namespace) => namespace !== KUBERNETES_CONTAINERD_NAMESPACE).sort();
  return namespaces.includes(KUBERNETES_CONTAINERD_NAMESPACE) ? [KUBERNETES_CONTAINERD_NAMESPACE, ...others] : others;
}

function crioBundleConfig(root: string, id: string): string {
  return join(root, STORAGE_CONTAINERS_DIR, id, 'userdata', 'config.json');
}

function* crioSources(id: string, roots: RuntimeStateRoots): Generator<StateSource> {
  for (const root of roots.containersStorage) {
    yield { runtime: 'cri-o', path: crioBundleConfig(root, id), maxBytes: CONTAINER_CONFIG_MAX_BYTES, describe: (json) => describeCrioSpec(json, root) };
  }
}

function* podmanSources(id: string, roots: RuntimeStateRoots): Generator<StateSource> {
  for (const root of roots.containersStorage) {
    for (const indexFile of STORAGE_INDEX_FILES) {
      const path = join(root, STORAGE_CONTAINERS_DIR, indexFile);
      yield { runtime: 'podman', path, maxBytes: STORAGE_INDEX_MAX_BYTES, describe: (json) => describeStorageEntry(json, id) };
    }
  }
}

/**
 * docker's config.v2.json: `Name` is `/name`, `Config.Image` the image as the user gave it; under
 * cri-dockerd the labels also carry the pod's.
 */
function describeDockerConfig(json: unknown): StateDescription | ContainerStateProblem {
  if (!isRecord(json)) return 'malformed';
  const config = recordField(json, 'Config');
  const labels = recordField(config, 'Labels');
  const kubernetes = describeKubeletLabels(labels);
  return {
    ...kubernetes,
    name: kubernetes.name ?? nonEmpty(stringField(json, 'Name')?.replace(/^\//, '')),
    image: stringField(config, 'Image'),
    podLabels: stringValues(labels),
  };
}

/** containerd's OCI bundle spec: CRI annotations under Kubernetes, nerdctl's or none otherwise. */
function describeContainerdSpec(json: unknown, id: string): StateDescription | ContainerStateProblem {
  if (!isRecord(json)) return 'malformed';
  const annotations = recordField(json, 'annotations');
  const isSandbox = stringField(annotations, CRI_CONTAINER_TYPE) === CRI_SANDBOX_TYPE;
  return {
    // Plain containerd ids (ctr run) are names the user chose.
    name: isSandbox ? SANDBOX_CONTAINER_NAME : (stringField(annotations, CRI_CONTAINER_NAME) ?? stringField(annotations, NERDCTL_NAME) ?? id),
    image: stringField(annotations, CRI_IMAGE_NAME),
    pod: stringField(annotations, CRI_SANDBOX_NAME),
    namespace: stringField(annotations, CRI_SANDBOX_NAMESPACE),
    podUid: stringField(annotations, CRI_SANDBOX_UID),
  };
}

/**
 * CRI-O's OCI bundle spec: the kubelet's labels are among its annotations; the pod's own labels
 * are in its sandbox's bundle (CRI-O writes a bundle's labels as JSON text in an annotation).
 */
function describeCrioSpec(json: unknown, root: string): StateDescription | ContainerStateProblem {
  if (!isRecord(json)) return 'malformed';
  const annotations = recordField(json, 'annotations');
  return {
    ...describeKubeletLabels(annotations),
    image: stringField(annotations, CRIO_IMAGE_NAME) ?? stringField(annotations, CRIO_REQUESTED_IMAGE),
    podLabels: crioSandboxLabels(root, stringField(annotations, CRIO_SANDBOX_ID)),
  };
}

/** The pod's labels from its sandbox's bundle, read with the same care; empty when unreadable. */
function crioSandboxLabels(root: string, sandboxId: string | null): Record<string, string> {
  if (sandboxId === null || !isPathComponent(sandboxId)) return {};
  const read = readStateJson(crioBundleConfig(root, sandboxId), CONTAINER_CONFIG_MAX_BYTES);
  if (!('json' in read) || !isRecord(read.json)) return {};
  const labelsText = stringField(recordField(read.json, 'annotations'), CRIO_LABELS);
  if (labelsText === null) return {};
  try {
    const labels: unknown = JSON.parse(labelsText);
    return isRecord(labels) ? stringValues(labels) : {};
  } catch {
    return {};
  }
}

/** The entries of `record` whose values are strings. */
function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function describeKubeletLabels(labels: Record<string, unknown>): StateDescription {
  return {
    name: stringField(labels, KUBE_CONTAINER_NAME),
    image: null,
    pod: stringField(labels, KUBE_POD_NAME),
    namespace: stringField(labels, KUBE_POD_NAMESPACE),
    podUid: stringField(labels, KUBE_POD_UID),
  };
}

/**
 * containers/storage's containers.json: an array of `{id, names, image, metadata, …}`, where
 * `image` is an image id and podman's `metadata` is JSON text with the `image-name` it was given.
 */
function describeStorageEntry(json: unknown, id: string): StateDescription | ContainerStateProblem {
  if (!Array.isArray(json)) return 'malformed';
  const entry: unknown = json.find((candidate) => isRecord(candidate) && candidate['id'] === id);
  if (!isRecord(entry)) return 'notFound';
  const names = entry['names'];
  return {
    name: Array.isArray(names) ? nonEmpty(names[0]) : null,
    image: imageNameInMetadata(entry['metadata']),
    pod: null,
    namespace: null,
    podUid: null,
  };
}

function imageNameInMetadata(metadata: unknown): string | null {
  if (typeof metadata !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(metadata);
    return isRecord(parsed) ? stringField(parsed, 'image-name') : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object under `key`; an empty one when it is absent or not an object. */
function recordField(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  return isRecord(value) ? value : {};
}

/** The text under `key`; null when absent, empty or not text. */
function stringField(record: Record<string, unknown>, key: string): string | null {
  return nonEmpty(record[key]);
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isPathComponent(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}
