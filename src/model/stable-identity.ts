/**
 * Names that survive restarts and rollouts, for comparing a capture with a baseline: a process by
 * its name and its container's, never its pid; a container by its name, or for a Kubernetes pod
 * by namespace, the pod's name without the suffix its controller generated, and the container's
 * name; a listener by its process and port; a peer by its name where one is known (a Service or
 * a CDN keeps its name while its addresses change), else by its address.
 */
import type { ContainerIdentity } from './records.js';

/**
 * The characters Kubernetes draws generated name suffixes from (k8s.io/apimachinery
 * util/rand: no vowels, no 0, 1 or 3), so a word such as `stats` or `redis` is never taken for one.
 */
const GENERATED = '[bcdfghjklmnpqrstvwxz2456789]';
/** The random suffix of a ReplicaSet's, DaemonSet's or Job's pod (`-x7k2p`). */
const POD_SUFFIX = new RegExp(`-${GENERATED}{5}$`);
/** A Deployment's pod-template-hash (`-7d4b9c8f6`) or a CronJob's scheduled minute (`-28931540`). */
const CONTROLLER_SUFFIX = new RegExp(`-(?:${GENERATED}{6,10}|[0-9]{8,10})$`);

/**
 * A pod's name without what its controller generated: `api-7d4b9c8f6-x2x9z` → `api`,
 * `fluentd-x7k2p` → `fluentd`, `backup-28931540-zb5nq` → `backup`. A StatefulSet's `web-0` keeps its
 * ordinal: it is the same pod after a restart. A bare pod whose own name ends like a generated
 * suffix loses it too — the pattern cannot tell them apart.
 */
export function podNameWithoutSuffix(pod: string): string {
  const withoutPodSuffix = pod.replace(POD_SUFFIX, '');
  if (withoutPodSuffix === pod) return pod;
  return withoutPodSuffix.replace(CONTROLLER_SUFFIX, '') || withoutPodSuffix;
}

/**
 * `default/api/server` for a pod's container — its labels' workload where the runtime kept them,
 * else the pod name without its generated suffix — and the container's name otherwise.
 */
export function containerKey(container: ContainerIdentity): string {
  if (container.pod !== null) {
    const workload = container.workload?.name ?? podNameWithoutSuffix(container.pod);
    return `${container.namespace ?? ''}/${workload}/${container.name}`;
  }
  return container.name;
}

/** `nginx`, or `nginx in default/web/nginx` for a process in a container. */
export function processKey(comm: string | null, container: ContainerIdentity | null): string {
  const name = comm ?? '(unknown)';
  return container === null ? name : `${name} in ${containerKey(container)}`;
}

/** `nginx :80`: the same listener after a restart (a new pid, a new socket) is the same. */
export function listenerKey(comm: string | null, container: ContainerIdentity | null, port: number): string {
  return `${processKey(comm, container)} :${port}`;
}

/** `orders-db.prod.svc.cluster.local`, or `10.0.0.7` for a peer no DNS answer or hosts file named. */
export function peerKey(address: string, name: string | null): string {
  return name ?? address;
}
