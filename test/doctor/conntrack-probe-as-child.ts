/** The doctor's conntrack probe in a process of its own (for setpriv): prints what it found as JSON. */
import { probeConntrack } from '../../src/doctor/conntrack-check.js';
import { hostPaths } from '../../src/probes/host-paths.js';

process.stdout.write(`${JSON.stringify(probeConntrack(hostPaths()))}\n`);
