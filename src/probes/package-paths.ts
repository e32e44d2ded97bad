import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout or install root: compiled code runs from `<root>/dist/src/probes/`. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The CO-RE object built by `bpf/Makefile`. */
export const bpfObjectPath = path.join(packageRoot, 'bpf/.output/tcp_events.bpf.o');
/** The UDP packet program's object, built by `bpf/Makefile` too. */
export const udpFlowsObjectPath = path.join(packageRoot, 'bpf/.output/udp_flows.bpf.o');
/** The same program built without bpf_cast_to_kern_ctx, for kernels before 6.2 (bpf/udp_flows.bpf.c says what it lacks). */
export const udpFlowsBefore62ObjectPath = path.join(packageRoot, 'bpf/.output/udp_flows_before_6_2.bpf.o');

/** The N-API addon built by node-gyp from `native/`. */
export const nativeAddonPath = path.join(packageRoot, 'native/build/Release/netscope_native.node');

/** The DNS answer capture, a cgroup_skb object of its own (`bpf/dns_answers.bpf.c`). */
export const dnsAnswersObjectPath = path.join(packageRoot, 'bpf/.output/dns_answers.bpf.o');
