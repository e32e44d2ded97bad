import { readFileSync } from 'node:fs';

/** Every cgroup hierarchy mounted on this host (v1 controllers and v2), by mount point. */
export function cgroupMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'cgroup' || fields[2] === 'cgroup2')
    .map((fields) => fields[1] as string);
}
