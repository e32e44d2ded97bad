/**
 * The `s` key: the snapshot document of what is on screen, as `netscope-YYYYMMDD-HHMMSS.json`.
 * Under a filter, scope or `t` it holds what the panes keep, and its `view` says which.
 */
import path from 'node:path';
import { withFindings } from '../findings/finding-document.js';
import { fileStamp } from '../output/file-stamp.js';
import { toStreamedSnapshotDocument, type ViewDocument } from '../model/snapshot-document.js';
import { snapshotDocumentJson } from '../model/snapshot-document-json.js';
import { writeFileSafely } from '../output/safe-file-write.js';
import { keptPaneRows } from './view-model/select-table.js';
import { SHORT_ID_LENGTH } from './view-model/scope.js';
import type { ScreenInput } from './view-model/screen-input.js';
import type { Scope, UiState } from './view-model/ui-state.js';
import { withCurrentEvidence } from './view-model/finding-scope.js';

/** What a save wrote, for the footer. */
export interface SavedScreen {
  /** The file written. */
  path: string;
  /** Connections in the document. */
  connections: number;
  view: ViewDocument;
}

/** The view part of the UI state, as the document records it. */
export function viewDocument(state: UiState): ViewDocument {
  const { column, descending } = state.sort[state.pane];
  return {
    filter: state.filter.text,
    scope: scopeDocument(state.scope),
    pane: state.pane,
    sort: { column, descending },
    closedHidden: state.closedHidden,
    ...(state.processesGrouped ? { processesGrouped: true } : {}),
  };
}

function scopeDocument(scope: Scope): ViewDocument['scope'] {
  if (scope === null) return null;
  switch (scope.kind) {
    case 'process':
      return { kind: 'process', pid: scope.pid };
    case 'processName':
      return { kind: 'processName', comm: scope.comm, containerId: scope.containerId };
    case 'peer':
      return { kind: 'peer', address: scope.address };
    case 'peerName':
      return { kind: 'peerName', name: scope.name };
    case 'listener':
      return { kind: 'listener', id: String(scope.id) };
    case 'container':
      return { kind: 'container', id: scope.id };
    case 'containerQuery':
      return { kind: 'containerQuery', container: scope.container, pod: scope.pod };
    case 'finding':
      return { kind: 'finding', id: scope.id, connectionIds: scope.connectionIds.map(String), listenerIds: scope.listenerIds.map(String) };
  }
}

/** Writes it into `directory` (atomically, mode 0600). Throws UnsafeOutputError. */
export function saveScreenSnapshot(input: ScreenInput, stateAsKept: UiState, directory: string, now: Date): SavedScreen {
  const target = path.join(directory, `netscope-${fileStamp(now)}.json`);
  // What the view shows: a finding scope follows the finding's current evidence on screen too.
  const state = withCurrentEvidence(stateAsKept, input.findings);
  const { snapshot, findings, source, host } = input;
  const kept = { ...snapshot, ...keptPaneRows(snapshot, state) };
  const view = viewDocument(state);
  const document = { ...withFindings(toStreamedSnapshotDocument(kept, { host, source, generatedAtMs: snapshot.atMs }), findings), view };
  writeFileSafely(target, snapshotDocumentJson(document));
  return { path: target, connections: kept.connections.length, view };
}

function scopeText(scope: NonNullable<ViewDocument['scope']>): string {
  switch (scope.kind) {
    case 'process':
      return `process ${scope.pid}`;
    case 'processName':
      return `processes named ${scope.comm}${scope.containerId === null ? '' : ` in container ${scope.containerId.slice(0, SHORT_ID_LENGTH)}`}`;
    case 'peer':
      return `peer ${scope.address}`;
    case 'peerName':
      return `peer ${scope.name}`;
    case 'listener':
      return `listener ${scope.id}`;
    case 'container':
      return `container ${scope.id.slice(0, SHORT_ID_LENGTH)}`;
    case 'containerQuery':
      return [scope.container === null ? null : `container ${scope.container}`, scope.pod === null ? null : `pod ${scope.pod}`].filter((part) => part !== null).join(' ');
    case 'finding':
      return `finding ${scope.id}`;
  }
}

/** The footer line: `saved 2 connections (filter: nginx) to ./netscope-20250115-120000.json`. */
export function savedScreenText(saved: SavedScreen): string {
  const { view } = saved;
  const narrowedBy = [
    view.filter.trim() === '' ? null : `filter: ${view.filter.trim()}`,
    view.scope === null ? null : `scope: ${scopeText(view.scope)}`,
    view.closedHidden ? 'open only' : null,
  ].filter((part) => part !== null);
  const count = `${saved.connections} connection${saved.connections === 1 ? '' : 's'}`;
  return `saved ${count}${narrowedBy.length === 0 ? '' : ` (${narrowedBy.join(', ')})`} to ${saved.path}`;
}
