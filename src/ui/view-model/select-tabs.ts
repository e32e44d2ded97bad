/**
 * The pane tabs, on one line: `1 Connections (12/1,204)  2 Processes …  sort RTT▼`, led by
 * `! Findings` while any finding is open (or its pane is on screen). The active
 * tab counts its rows (matching/total while a filter or scope narrows them), and the line ends
 * with the table's sort — named there because its column may not fit the width. When the line
 * would not fit, the names shorten, then the count goes, then only the active tab keeps its name;
 * the sort stays.
 */
import type { ScreenView, TableView } from './view-types.js';
import type { PaneId } from './ui-state.js';
import { allPanes, FINDINGS_PANE_KEY, paneOrder } from './ui-state.js';
import { formatCount } from './format.js';
import { displayWidth } from './text-width.js';

/** Cells the tab component adds around each label (`[label]` or ` label `). */
export const TAB_DECORATION_WIDTH = 2;

const PANE_NAMES: Record<PaneId, { long: string; short: string }> = {
  findings: { long: 'Findings', short: 'Find' },
  connections: { long: 'Connections', short: 'Conns' },
  processes: { long: 'Processes', short: 'Procs' },
  containers: { long: 'Containers', short: 'Ctrs' },
  peers: { long: 'Peers', short: 'Peers' },
  listeners: { long: 'Listeners', short: 'Listen' },
  events: { long: 'Events', short: 'Events' },
};

/** The pane's name as its tab spells it in full. */
export function paneName(pane: PaneId): string {
  return PANE_NAMES[pane].long;
}

/** Cells between the last tab and the sort label. */
export const SORT_LABEL_GAP = 2;

/** The key that selects `pane`, which its tab shows. */
function paneKey(pane: PaneId): string {
  return pane === 'findings' ? FINDINGS_PANE_KEY : String(paneOrder.indexOf(pane) + 1);
}

/**
 * Whether the tab line leads with Findings: while any open finding passes the view's filter and
 * scope (`openFindings`), and while its pane is on screen.
 */
export function showsFindingsTab(active: PaneId, openFindings: number): boolean {
  return openFindings > 0 || active === 'findings';
}

/** `table` is the active pane's table, null on the detail and help pages. */
export function selectTabs(active: PaneId, table: TableView | null, width: number, findingsShown = false): ScreenView['tabs'] {
  const tabsWidth = table === null ? width : width - displayWidth(table.sortLabel) - SORT_LABEL_GAP;
  const count =
    table === null ? '' : table.matchingRows === table.totalRows ? formatCount(table.totalRows) : `${formatCount(table.matchingRows)}/${formatCount(table.totalRows)}`;
  const layouts = [
    { name: 'long', counted: true },
    { name: 'short', counted: true },
    { name: 'long', counted: false },
    { name: 'short', counted: false },
    { name: 'activeOnly', counted: true },
    { name: 'activeOnly', counted: false },
  ] as const;
  let tabs: ScreenView['tabs'] = [];
  for (const layout of layouts) {
    tabs = (findingsShown ? allPanes : paneOrder).map((pane) => {
      const isActive = pane === active;
      // Short, an inactive Findings tab is its key alone: the header's count names it just above.
      const keyOnly = layout.name === 'activeOnly' || (layout.name === 'short' && pane === 'findings');
      const shown = keyOnly ? (isActive ? PANE_NAMES[pane].short : null) : PANE_NAMES[pane][layout.name];
      const name = shown === null ? paneKey(pane) : `${paneKey(pane)} ${shown}`;
      return { pane, label: isActive && layout.counted && count !== '' ? `${name} (${count})` : name, active: isActive };
    });
    if (tabs.reduce((sum, tab) => sum + displayWidth(tab.label) + TAB_DECORATION_WIDTH, 0) <= tabsWidth) break;
  }
  return tabs;
}
