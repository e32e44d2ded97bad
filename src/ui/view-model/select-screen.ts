/**
 * The whole frame from the store's input, the UI state and the terminal size.
 *
 * Layout, top to bottom (never taller than the terminal):
 *   header   4–8 lines  title (PAUSED banner on it), states, rates + sparkline, findings + health;
 *                       gauges once read, probes off, scope and a replay's position only when set (headerLineCount)
 *   tabs     1 line
 *   body     the rest   table: its column header line + rows; or detail; or gauges; or the sort menu or the column
 *                       chooser; or help (which
 *                       takes the header's and tabs' lines too)
 *   footer   1–2 lines  filter and message (when either is set), key hints (footerLineCount)
 */
import type { ScreenView, TableView } from './view-types.js';
import type { UiState } from './ui-state.js';
import type { ScreenInput } from './screen-input.js';
import { parseFilter } from '../../filter/filter-query.js';
import { describeUnmatchedScope } from './scope.js';
import { selectDetail } from './select-detail.js';
import { footerLineCount, selectFooter } from './select-footer.js';
import { headerLineCount, selectHeader } from './select-header.js';
import { selectChanges } from './select-changes.js';
import { selectGauges } from './select-gauges.js';
import { selectHelp } from './select-help.js';
import { selectSortMenu } from './select-sort-menu.js';
import { selectColumnMenu } from './column-choices.js';
import { keptOpenFindings, selectTable, type TableSelection } from './select-table.js';
import { selectTabs, showsFindingsTab } from './select-tabs.js';
import { selectFindingDetail } from './select-finding-detail.js';
import { findingScope, withCurrentEvidence } from './finding-scope.js';

/** Below this the screen shows only the too-small line. */
const MIN_SCREEN_WIDTH = 60;
const MIN_SCREEN_HEIGHT = 15;
const TABS_LINES = 1;
const TABLE_HEADER_LINES = 1;

export interface ScreenSize {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

let last: { input: ScreenInput; state: UiState; width: number; height: number; screen: ScreenView } | null = null;

/**
 * The frame for `input`, `state` and `size`. Called again with the same input and state
 * objects and the same size, it returns the same ScreenView object; the sort and filter
 * stages are memoized separately, so a tick re-sorts but never rebuilds a filter index unless
 * a filter is active, and a keystroke in the filter never re-sorts.
 */
export function selectScreen(input: ScreenInput, state: UiState, size: ScreenSize): ScreenView {
  if (last !== null && last.input === input && last.state === state && last.width === size.width && last.height === size.height) return last.screen;
  const screen = buildScreen(input, state, size);
  last = { input, state, width: size.width, height: size.height, screen };
  return screen;
}

function buildScreen(input: ScreenInput, stateAsKept: UiState, size: ScreenSize): ScreenView {
  const { width, height } = size;
  const state = withCurrentEvidence(stateAsKept, input.findings);
  const tooSmall =
    width < MIN_SCREEN_WIDTH || height < MIN_SCREEN_HEIGHT
      ? `terminal too small: ${width}×${height}, netscope needs ${MIN_SCREEN_WIDTH}×${MIN_SCREEN_HEIGHT}`
      : null;
  const header = selectHeader(input, state, width);
  const footer = selectFooter(state, width, {
    filterError: parseFilter(state.filter.text).error,
    notice: input.notice,
    unmatchedScope: describeUnmatchedScope(state.scope, input.snapshot),
  });
  const bodyLines = Math.max(1, height - headerLineCount(header) - TABS_LINES - footerLineCount(footer));

  let body: ScreenView['body'];
  let table: TableSelection | null = null;
  let shownColumnIds: string[] | null = null;
  switch (state.view.kind) {
    case 'table':
      table = selectTable({ snapshot: input.snapshot, findings: input.findings, state, width, rowLines: bodyLines - TABLE_HEADER_LINES, changes: input.changes?.changes ?? null });
      body = { kind: 'table', table: table.table };
      break;
    case 'detail':
      body = { kind: 'detail', detail: selectDetail(input, state.view.connectionId, width) };
      break;
    case 'finding':
      body = { kind: 'finding', finding: selectFindingDetail(input, state.view.findingId, width) };
      break;
    case 'help':
      // Help takes the whole frame but the footer, as htop's does.
      body = { kind: 'help', help: selectHelp(width, height - footerLineCount(footer), state.view.page) };
      break;
    case 'changes':
      body = { kind: 'changes', changes: selectChanges(input.changes) };
      break;
    case 'gauges':
      body = { kind: 'gauges', gauges: selectGauges(input.snapshot, width) };
      break;
    case 'sortMenu':
      body = { kind: 'sortMenu', sortMenu: selectSortMenu(state.pane, state.sort[state.pane], state.view.cursor, width, bodyLines) };
      break;
    case 'columnMenu': {
      // The chooser says which columns the table shows at this width: it lays the table out unseen.
      const shown = selectTable({ snapshot: input.snapshot, findings: input.findings, state, width, rowLines: bodyLines - TABLE_HEADER_LINES, changes: input.changes?.changes ?? null });
      shownColumnIds = shown.table.columns.map((column) => column.id);
      body = { kind: 'columnMenu', columnMenu: selectColumnMenu(state.pane, state.columnChoices[state.pane], shownColumnIds, state.view.cursor, width, bodyLines) };
      break;
    }
  }
  const tableView: TableView | null = table?.table ?? null;
  const findingsShown = showsFindingsTab(state.pane, keptOpenFindings(input.snapshot, input.findings, state));
  const selectedKey = table?.selectedKey ?? null;
  const selectedFinding = state.pane === 'findings' && selectedKey !== null ? (input.findings.find((finding) => finding.id === selectedKey) ?? null) : null;
  return {
    width,
    height,
    tooSmall,
    header,
    tabs: selectTabs(state.pane, tableView, width, findingsShown),
    sortLabel: tableView?.sortLabel ?? null,
    body,
    footer,
    navigation: table?.navigation ?? { keys: [], pageSize: bodyLines },
    helpPageCount: body.kind === 'help' ? body.help.pageCount : null,
    shownColumnIds,
    selectedKey,
    selectedFinding: selectedFinding === null ? null : findingScope(selectedFinding),
    findingsShown,
  };
}

