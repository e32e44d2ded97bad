import type { ContainerRuntime } from '../model/records.js';

/** A Kubernetes pod's QoS class, read from where kubelet put the pod's cgroup. */
export type KubernetesQosClass = 'guaranteed' | 'burstable' | 'besteffort';

/** The container that one cgroup path names, before any runtime state confirms or names it. */
export interface CgroupContainerMatch {
  /**
   * Runtime the path names; 'unknown' when only the id's shape says "container" (e.g. a
   * kubepods path under the cgroupfs driver, where docker, containerd and CRI-O look alike).
   */
  runtime: ContainerRuntime;
  /** Container id: 64 lowercase hex digits, or any containerd identifier for plain containerd. */
  id: string;
  /** Kubernetes pod UID with '-' (systemd slices write it with '_'; converted back). */
  podUid: string | null;
  /** Kubernetes QoS class from the path ('guaranteed' when the pod sits directly under kubepods), else null. */
  qosClass: KubernetesQosClass | null;
  /**
   * Plain containerd: the containerd namespace of `/<namespace>/<id>`. Such a match is only a
   * candidate: the caller confirms it against containerd's state on disk.
   */
  containerdNamespace: string | null;
}

/**
 * Recognises a container from one cgroup path as /proc/PID/cgroup writes it after `0::` (or
 * after `N:controller:` on a cgroup v1 or hybrid host: the layouts are the same), relative to
 * the cgroup mount root. A trailing ` (deleted)` (the cgroup was removed) is ignored. Returns
 * null for host cgroups, runtime monitors (conmon) and malformed paths.
 *
 * Rules, first that matches wins:
 * 1. A segment a container engine named, innermost first: a process in a sub-cgroup (podman's
 *    `…/container`) belongs to the nearest container above it, a nested engine's container
 *    (docker-in-docker, kind) wins over the one it runs in:
 *    `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`
 *    (`.scope` under the systemd driver, none under cgroupfs); runc's systemd cgroupsPath
 *    `<slice>:<prefix>:<id>` left as a directory name; a bare `<id>` under `docker`; any
 *    id-shaped segment directly in a Kubernetes pod's cgroup (runtime 'unknown' unless the
 *    prefix names one).
 * 2. Plain containerd, `/<namespace>/<id>`: a candidate the caller must confirm.
 * 3. Any other id-shaped segment, innermost first: runtime 'unknown'.
 *
 * A named runtime further out beats an unnamed id further in (rule 1 before 3): the name lets
 * the caller find the container's state, whereas a bare id inside is a cgroup the container
 * made for itself.
 */
export function containerFromCgroupPath(path: string): CgroupContainerMatch | null {
  const segments = cgroupPathSegments(path);
  if (segments === null) return null;
  return (
    innermostMatch(segments, recognisedContainerAt) ??
    plainContainerdCandidate(segments) ??
    innermostMatch(segments, idShapedSegmentAt)
  );
}

const DELETED_SUFFIX = ' (deleted)';
/** The kernel caps a cgroup's name at NAME_MAX bytes, so a longer segment cannot be real. */
const CGROUP_NAME_MAX_LENGTH = 255;

/**
 * The path's names below the mount root, or null when the kernel could not have written it: no
 * leading `/`, an empty name (`//`, a trailing `/`, the root itself) or an over-long name.
 */
function cgroupPathSegments(path: string): string[] | null {
  const live = path.endsWith(DELETED_SUFFIX) ? path.slice(0, -DELETED_SUFFIX.length) : path;
  if (!live.startsWith('/')) return null;
  const segments = live.slice(1).split('/');
  const malformed = segments.some((segment) => segment === '' || segment.length > CGROUP_NAME_MAX_LENGTH);
  return malformed ? null : segments;
}

type MatchAt = (segments: readonly string[], index: number) => CgroupContainerMatch | null;

function innermostMatch(segments: readonly string[], matchAt: MatchAt): CgroupContainerMatch | null {
  for (let index = segments.length - 1; index >= 0; index--) {
    const match = matchAt(segments, index);
    if (match !== null) return match;
  }
  return null;
}

/** Rule 1: an id whose own name, or whose parent cgroup, says it is a container. */
function recognisedContainerAt(segments: readonly string[], index: number): CgroupContainerMatch | null {
  const segment = idSegment(segments[index] ?? '');
  if (segment === null) return null;
  const pod = segment.slice === null ? podOfCgroup(segments, index - 1) : podOfSlice(segment.slice);
  const runtime = runtimeNamedBy(segment, segments[index - 1]);
  if (runtime !== undefined) return containerMatch(runtime, segment.id, pod);
  return pod === null ? null : containerMatch('unknown', segment.id, pod);
}

/** The engine an id segment's prefix names; docker's cgroupfs driver names it by the parent. */
function runtimeNamedBy(segment: IdSegment, parent: string | undefined): ContainerRuntime | undefined {
  if (segment.prefix !== null) return RUNTIME_BY_PREFIX.get(segment.prefix);
  return parent === 'docker' ? 'docker' : undefined;
}

/** Rule 3: any container id, by its shape alone. */
function idShapedSegmentAt(segments: readonly string[], index: number): CgroupContainerMatch | null {
  const segment = idSegment(segments[index] ?? '');
  return segment === null ? null : containerMatch('unknown', segment.id, null);
}

/** The prefix each engine gives its containers' cgroups (`<prefix>-<id>.scope`). */
const RUNTIME_BY_PREFIX: ReadonlyMap<string, ContainerRuntime> = new Map([
  ['docker', 'docker'],
  ['cri-containerd', 'containerd'],
  ['crio', 'cri-o'],
  ['libpod', 'podman'],
]);

/** Prefixes of the cgroups CRI-O and podman put conmon in: a monitor beside the container, not in it. */
const MONITOR_PREFIXES: ReadonlySet<string> = new Set(['crio-conmon', 'libpod-conmon']);

/**
 * runc's systemd cgroupsPath `<slice>:<prefix>:<id>` taken as a directory name, which happens
 * when kubelet uses the systemd driver and containerd cgroupfs.
 */
const SYSTEMD_CGROUPS_PATH_SEGMENT = /^([^:]*):([^:]+):([0-9a-f]{64})$/;
/** `<prefix>-<id>.scope` (systemd driver), `<prefix>-<id>` (cgroupfs driver) or a bare `<id>`. */
const ID_SEGMENT = /^(?:(.+)-)?([0-9a-f]{64})(?:\.scope)?$/;

interface IdSegment {
  id: string;
  /** The engine's prefix before the id, null for a bare id. */
  prefix: string | null;
  /** The slice written before the id in the cgroupsPath form, which names the pod. */
  slice: string | null;
}

/** A segment shaped like a container's cgroup; null otherwise and for conmon's. */
function idSegment(name: string): IdSegment | null {
  const segment = cgroupsPathSegment(name) ?? unitSegment(name);
  const isMonitor = segment !== null && segment.prefix !== null && MONITOR_PREFIXES.has(segment.prefix);
  return isMonitor ? null : segment;
}

function cgroupsPathSegment(name: string): IdSegment | null {
  const match = SYSTEMD_CGROUPS_PATH_SEGMENT.exec(name);
  if (match === null) return null;
  const [, slice = '', prefix = '', id = ''] = match;
  return { id, prefix, slice };
}

function unitSegment(name: string): IdSegment | null {
  const match = ID_SEGMENT.exec(name);
  if (match === null) return null;
  const [, prefix, id = ''] = match;
  return { id, prefix: prefix ?? null, slice: null };
}

interface PodPlacement {
  podUid: string;
  qosClass: KubernetesQosClass;
}

/** A pod UID: a UUID, or 32 hex digits for a static pod (kubelet hashes its manifest). */
function podUidPattern(separator: string): string {
  const uuid = [8, 4, 4, 4, 12].map((digits) => `[0-9a-f]{${digits}}`).join(separator);
  return `(${uuid}|[0-9a-f]{32})`;
}

/**
 * kubelet's systemd driver: `kubepods[-<qos>]-pod<uid>.slice`, the UID's `-` written `_` since
 * `-` means nesting in a slice name, possibly behind a `--cgroup-root` (`kubelet-kubepods-…`).
 */
const POD_SLICE = new RegExp(`^(?:.+-)?kubepods(?:-(burstable|besteffort))?-pod${podUidPattern('_')}\\.slice$`);
/** kubelet's cgroupfs driver: `pod<uid>` under `kubepods/<qos>` or, when guaranteed, `kubepods`. */
const POD_DIRECTORY = new RegExp(`^pod${podUidPattern('-')}$`);

function podOfSlice(name: string): PodPlacement | null {
  const slice = POD_SLICE.exec(name);
  if (slice === null) return null;
  const [, qos, uid = ''] = slice;
  const qosClass = qos === 'burstable' || qos === 'besteffort' ? qos : 'guaranteed';
  return { podUid: uid.replaceAll('_', '-'), qosClass };
}

/** The pod whose cgroup is `segments[index]`, under either driver. */
function podOfCgroup(segments: readonly string[], index: number): PodPlacement | null {
  const name = segments[index] ?? '';
  const bySlice = podOfSlice(name);
  if (bySlice !== null) return bySlice;
  const podUid = POD_DIRECTORY.exec(name)?.[1];
  if (podUid === undefined) return null;
  const parent = segments[index - 1];
  if (parent === 'kubepods') return { podUid, qosClass: 'guaranteed' };
  if ((parent === 'burstable' || parent === 'besteffort') && segments[index - 2] === 'kubepods') {
    return { podUid, qosClass: parent };
  }
  return null;
}

/** containerd's rule for namespace and container names (its `identifiers` package). */
const CONTAINERD_IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const CONTAINERD_IDENTIFIER_MAX_LENGTH = 76;
/** systemd unit types that own a cgroup: such a segment is the host's, not containerd's. */
const SYSTEMD_UNIT_SUFFIX = /\.(?:slice|scope|service|mount|socket|swap)$/;
/**
 * Top-level cgroups that other engines' cgroupfs drivers own (docker, kubelet, CRI-O's default
 * parent, podman's): what rule 1 did not recognise under them is their own bookkeeping
 * (`/kubepods/burstable`, `/libpod_parent/conmon`, `/crio/crio-conmon-<id>`), not containerd's.
 */
const OTHER_ENGINE_ROOTS: ReadonlySet<string> = new Set(['docker', 'kubepods', 'crio', 'libpod_parent']);

/** Rule 2: `ctr run` without `--cgroup` puts a container in `/<namespace>/<id>`. */
function plainContainerdCandidate(segments: readonly string[]): CgroupContainerMatch | null {
  if (segments.length !== 2) return null;
  const [namespace = '', id = ''] = segments;
  if (OTHER_ENGINE_ROOTS.has(namespace) || !isContainerdIdentifier(namespace) || !isContainerdIdentifier(id)) {
    return null;
  }
  return { ...containerMatch('containerd', id, null), containerdNamespace: namespace };
}

function isContainerdIdentifier(name: string): boolean {
  return (
    name.length <= CONTAINERD_IDENTIFIER_MAX_LENGTH && CONTAINERD_IDENTIFIER.test(name) && !SYSTEMD_UNIT_SUFFIX.test(name)
  );
}

function containerMatch(runtime: ContainerRuntime, id: string, pod: PodPlacement | null): CgroupContainerMatch {
  return {
    runtime,
    id,
    podUid: pod?.podUid ?? null,
    qosClass: pod?.qosClass ?? null,
    containerdNamespace: null,
  };
}
