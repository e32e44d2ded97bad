/** /proc/PID/stat as tests and the bench read it. */
import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/PID/stat after the command name, so `[0]` is field 3 (state), `[1]` field
 * 4 (ppid), `[11]` and `[12]` fields 14 and 15 (utime, stime). The name is in parentheses and may
 * hold spaces and ')': the fields start after the last ')'. Throws once the process is gone.
 */
export function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
