/**
 * Loads bpf/dns_answers.bpf.c and attaches it, through a bpf_link, to the root of the cgroup
 * v2 hierarchy: every socket's ingress passes it. Its failure never stops netscope: names are
 * an addition, so a kernel without cgroup_skb (or a host without cgroup v2) marks the probe
 * unsupported and the rest runs on.
 */
import type { ProbeStatus } from '../model/snapshot-types.js';
import { cgroupV2Mount, type HostPaths } from './host-paths.js';
import { isNativeError, nativeAddon, type BpfObjectHandle } from './native.js';
import { dnsAnswersObjectPath } from './package-paths.js';

export const DNS_ANSWER_PROBE = 'dns_answers';
const PROGRAM = 'handle_dns_answer';

export interface DnsAnswerProbe {
  /** Null when the probe is not attached (see status). */
  object: BpfObjectHandle | null;
  status: ProbeStatus;
}

/**
 * @param ringBufferBytes the ring buffer's size (a power of two, a multiple of the page size);
 *   each answer takes 576 bytes in it.
 */
export function loadDnsAnswerProbe(paths: HostPaths, ringBufferBytes: number, objectPath = dnsAnswersObjectPath): DnsAnswerProbe {
  const addon = nativeAddon();
  let object: BpfObjectHandle | null = null;
  try {
    object = new addon.BpfObject(objectPath, addon.dnsAnswerRecordSize);
    object.setRingBufferSize(ringBufferBytes);
    object.load();
    object.attachCgroup(PROGRAM, cgroupV2Mount(paths));
    return { object, status: { name: DNS_ANSWER_PROBE, status: 'attached', reason: null } };
  } catch (error) {
    object?.close();
    return { object: null, status: failureStatus(error) };
  }
}

function failureStatus(error: unknown): ProbeStatus {
  const message = error instanceof Error ? error.message : String(error);
  if (isNativeError(error) && ['EINVAL', 'EOPNOTSUPP', 'ENOENT', 'ENOTDIR', 'EBADF'].includes(error.code)) {
    return { name: DNS_ANSWER_PROBE, status: 'unsupported', reason: `this kernel or host cannot attach a cgroup_skb program to the cgroup v2 root (${message})` };
  }
  return { name: DNS_ANSWER_PROBE, status: 'failed', reason: `loading the DNS answer capture failed: ${message}` };
}
