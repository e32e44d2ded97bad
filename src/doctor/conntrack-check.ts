/**
 * Whether netscope can show the real destination behind NAT: the host must track connections
 * (nf_conntrack), and answer questions about them over ctnetlink (nf_conntrack_netlink), which
 * the kernel allows only with CAP_NET_ADMIN.
 */
import { ConntrackLookup, conntrackLoaded } from '../probes/conntrack-lookup.js';
import { hostPaths, type HostPaths } from '../probes/host-paths.js';
import { isNativeError } from '../probes/native.js';
import { currentNetnsInode } from '../probes/proc-netns.js';
import { passOptional, warn, type Check, type CheckResult } from './check-result.js';

/** What asking conntrack about a tuple no connection has gave: an answer (none), or the refusal's errno name. */
export type ConntrackProbe = { loaded: false } | { loaded: true; refusal: string | null };

const WITHOUT = 'the real destination behind NAT (a Service address\'s backend) is not shown';

export function conntrackResult(probe: ConntrackProbe): CheckResult {
  if (!probe.loaded) {
    return warn(`nf_conntrack is not loaded: the host tracks no connections, so nothing is asked and ${WITHOUT}`, 'modprobe nf_conntrack nf_conntrack_netlink (hosts with NAT rules — kube-proxy, docker — load them already)');
  }
  switch (probe.refusal) {
    case null:
      return passOptional('nf_conntrack answers over ctnetlink: new connections are looked up once, off the data path');
    case 'EPERM':
      return warn(`ctnetlink refuses netscope (EPERM: it needs CAP_NET_ADMIN), so ${WITHOUT}`, 'run as root, or add the NET_ADMIN capability (deploy/kubernetes/daemonset.yaml adds it)');
    case 'EINVAL':
    case 'EOPNOTSUPP':
    case 'EPROTONOSUPPORT':
      return warn(`nf_conntrack_netlink is missing (${probe.refusal}), so ${WITHOUT}`, 'modprobe nf_conntrack_netlink');
    default:
      return warn(`ctnetlink did not answer (${probe.refusal}), so ${WITHOUT}`, null);
  }
}

/** Asks the own namespace's table about a tuple nothing uses (127.0.0.1:0 → 127.0.0.1:0): ENOENT is the answer that works. */
export function probeConntrack(paths: HostPaths): ConntrackProbe {
  if (!conntrackLoaded(paths)) return { loaded: false };
  const lookup = new ConntrackLookup();
  try {
    lookup.ask(currentNetnsInode(paths), null, [{ family: 'ipv4', protocol: 'tcp', saddr: '127.0.0.1', sport: 0, daddr: '127.0.0.1', dport: 0 }]);
    return { loaded: true, refusal: null };
  } catch (error) {
    return { loaded: true, refusal: isNativeError(error) ? error.code : String(error) };
  } finally {
    lookup.close();
  }
}

export function conntrackCheck(paths: HostPaths = hostPaths()): Check {
  return { name: 'conntrack (NAT)', run: () => conntrackResult(probeConntrack(paths)) };
}
