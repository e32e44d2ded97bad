/** Why the probes cannot run, and how to give them what they need. */
import { NetscopeError } from '../errors.js';

export class ProbeError extends NetscopeError {}

export const runAsRootHint = 'run it as root: sudo "$(command -v netscope)"';
