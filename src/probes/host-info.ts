import os from 'node:os';
import type { HostInfo } from '../model/snapshot-types.js';

export function readHostInfo(): HostInfo {
  return { hostname: os.hostname(), kernel: os.release() };
}
