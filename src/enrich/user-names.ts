import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths, type HostPaths } from '../probes/host-paths.js';
import { escapeUntrustedText } from './untrusted-text.js';

/** Parsed passwd files by path, so each host's passwd is read once per netscope run. */
const userNamesByPasswdPath = new Map<string, ReadonlyMap<number, string>>();

/**
 * The user name for a uid, from the host's `<etc>/passwd`. The file is read on first use and
 * cached for the life of the process (as htop does): users added later show as their uid.
 * Users known only through NSS (LDAP, sssd) are not in passwd and also show as their uid.
 * @returns the name, or the uid as decimal text when the file or the uid is missing.
 */
export function userName(uid: number, paths: HostPaths = hostPaths()): string {
  const passwdPath = join(paths.etc, 'passwd');
  let names = userNamesByPasswdPath.get(passwdPath);
  if (names === undefined) {
    names = readPasswd(passwdPath);
    userNamesByPasswdPath.set(passwdPath, names);
  }
  return names.get(uid) ?? String(uid);
}

function readPasswd(passwdPath: string): ReadonlyMap<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    // name:password:uid:gid:gecos:home:shell
    const [name, , uidText] = line.split(':');
    if (name === undefined || name === '' || name.startsWith('#') || uidText === undefined) continue;
    if (!/^\d+$/.test(uidText)) continue;
    const uid = Number(uidText);
    // getpwuid returns the first entry for a uid; keep that one.
    if (!names.has(uid)) names.set(uid, escapeUntrustedText(name));
  }
  return names;
}
