/**
 * The workload behind a Kubernetes pod — the Deployment, StatefulSet, DaemonSet, Job or CronJob
 * that made it — so that a rollout, which renames every pod, still reads as the same workload.
 * From the pod's labels where the runtime's state keeps them (the labels the controllers set:
 * `pod-template-hash`, `controller-revision-hash`, `job-name`…), else from the pod name's pattern,
 * which cannot tell a DaemonSet's pod from a Job's, nor a Deployment's from a bare ReplicaSet's.
 */
import type { ContainerIdentity } from './records.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

export interface Workload {
  /** Null where the source cannot tell: a pod name `fluentd-x7k2p` is a DaemonSet's or a Job's. */
  kind: WorkloadKind | null;
  name: string;
  /** `labels`: the pod's labels said; `podName`: read from the pod name's pattern. */
  source: 'labels' | 'podName';
}

/** Kubernetes' generated-name alphabet (no vowels, no 0, 1 or 3): `x7k2p`. */
const G = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-${G}{6,10}-${G}{5}$`);
const CRONJOB_POD = new RegExp(`^(.+)-[0-9]{8,10}-${G}{5}$`);
const DAEMONSET_OR_JOB_POD = new RegExp(`^(.+)-${G}{5}$`);
const STATEFULSET_POD = /^(.+)-(?:0|[1-9][0-9]{0,4})$/;
/** A CronJob names its Jobs `<cronjob>-<scheduled time in minutes>`. */
const CRONJOB_JOB = /^(.+)-[0-9]{8,10}$/;

/** What a pod name's shape says; null for a name no controller makes (a bare pod). */
export function workloadFromPodName(pod: string): Workload | null {
  const match = (pattern: RegExp) => pod.match(pattern)?.[1] ?? null;
  const cronJob = match(CRONJOB_POD);
  if (cronJob !== null) return { kind: 'CronJob', name: cronJob, source: 'podName' };
  const deployment = match(DEPLOYMENT_POD);
  if (deployment !== null) return { kind: 'Deployment', name: deployment, source: 'podName' };
  const daemonSetOrJob = match(DAEMONSET_OR_JOB_POD);
  if (daemonSetOrJob !== null) return { kind: null, name: daemonSetOrJob, source: 'podName' };
  const statefulSet = match(STATEFULSET_POD);
  if (statefulSet !== null) return { kind: 'StatefulSet', name: statefulSet, source: 'podName' };
  return null;
}

/** The label whose value names the pod's Job (the older and the current spelling). */
const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'];

/**
 * What the pod's labels say, with the pod name for what labels leave out (a ReplicaSet's name is
 * the Deployment's plus the template hash). Null when no controller's label is there.
 */
export function workloadFromLabels(pod: string, labels: Readonly<Record<string, string>>): Workload | null {
  const jobName = JOB_NAME_LABELS.map((label) => labels[label]).find((value) => value !== undefined && value !== '');
  if (jobName !== undefined) {
    const cronJob = jobName.match(CRONJOB_JOB)?.[1];
    return cronJob === undefined ? { kind: 'Job', name: jobName, source: 'labels' } : { kind: 'CronJob', name: cronJob, source: 'labels' };
  }
  const templateHash = labels['pod-template-hash'];
  if (templateHash !== undefined && templateHash !== '') {
    const suffix = `-${templateHash}-`;
    const at = pod.lastIndexOf(suffix);
    return at > 0 ? { kind: 'Deployment', name: pod.slice(0, at), source: 'labels' } : null;
  }
  if (labels['controller-revision-hash'] !== undefined) {
    if (labels['statefulset.kubernetes.io/pod-name'] !== undefined) {
      const statefulSet = pod.match(STATEFULSET_POD)?.[1];
      return statefulSet === undefined ? null : { kind: 'StatefulSet', name: statefulSet, source: 'labels' };
    }
    if (labels['pod-template-generation'] !== undefined) {
      const daemonSet = pod.match(DAEMONSET_OR_JOB_POD)?.[1];
      return daemonSet === undefined ? null : { kind: 'DaemonSet', name: daemonSet, source: 'labels' };
    }
  }
  return null;
}

/** Whether `container` belongs to the workload named `name` (`workload:NAME`); a host process never does. */
export function inWorkload(container: ContainerIdentity | null, name: string): boolean {
  return container !== null && workloadOf(container)?.name === name;
}

/** The container's workload: what its state's labels said, else its pod name's pattern; null outside a pod. */
export function workloadOf(container: ContainerIdentity): Workload | null {
  if (container.workload) return container.workload;
  return container.pod === null ? null : workloadFromPodName(container.pod);
}
