/**
 * The UDP packet program alone, for bench/udp-flows.ts: loads and attaches it as netscope does
 * and reads its map once a second, with nothing else of netscope running — so its own cost on
 * the data path is measured apart from the rest. Prints `attached` once attached; SIGTERM detaches.
 */
import { cgroupV2Mount, hostPaths } from '../src/probes/host-paths.js';
import { systemKernelClock } from '../src/probes/kernel-clock.js';
import { UdpFlowProbe } from '../src/probes/udp-flows.js';

const probe = new UdpFlowProbe(cgroupV2Mount(hostPaths()), systemKernelClock(), (comm) => comm);
// No socket is ever reported gone (an empty pass that began at time 0): the map keeps every flow.
const noPass = { netnsByCookie: new Map<number, number>(), passStartedMonotonicMs: 0 };
const reader = setInterval(() => probe.read(noPass, Date.now()), 1000);
process.stdout.write('attached\n');
process.once('SIGTERM', () => {
  clearInterval(reader);
  probe.close();
  process.exit(0);
});
