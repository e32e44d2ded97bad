/**
 * `netscope doctor` in a process of its own, for running it with another uid and capability
 * set (setpriv): prints the report and exits with the doctor's code.
 */
import { runDoctor } from '../../src/doctor/run-doctor.js';

process.exitCode = await runDoctor();
