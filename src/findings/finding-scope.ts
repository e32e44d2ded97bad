/**
 * `--pid` / `--port` / `--container` / `--pod` applied to findings, as scopeDocument applies them
 * to the document's tables: a finding stays when its subject is the process, involves the port
 * (the peer's or the listener's) and runs in the container.
 */
import { containerInScope, type DocumentScope } from '../model/document-scope.js';
import type { Finding } from './finding.js';

export function scopeFindings(findings: readonly Finding[], scope: DocumentScope): readonly Finding[] {
  if (scope.pid === null && scope.port === null && scope.container === null && scope.pod === null) return findings;
  return findings.filter(({ subject }) => {
    const matchesPid = scope.pid === null || subject.pid === scope.pid;
    const matchesPort = scope.port === null || subject.peerPort === scope.port || subject.localPort === scope.port;
    return matchesPid && matchesPort && containerInScope(subject.container, scope);
  });
}
