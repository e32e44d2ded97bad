/**
 * The pane tabs, on one line: `1 Connections (12/1,204)  2 Processes …`. The active tab counts
 * its rows (matching/total while a filter or scope narrows them); when the line would not fit,
 * the count goes first, then the names shorten.
 */
import type { ScreenView, TableView } from './view-types.js';
import type { PaneId } from './ui-state.js';
import { paneOrder } from './ui-state.js';
import { formatCount } from './format.js';
import { displayWidth } from './text-width.js';

/** Cells the tab component adds around each label (`[label]` or ` label `). */
export const TAB_DECORATION_WIDTH = 2;

const PANE_NAMES: Record<PaneId, { long: string; short: string }> = {
  connections: { long: 'Connections', short: 'Conns' },
  processes: { long: 'Processes', short: 'Procs' },
  containers: { long: 'Containers', short: 'Ctrs' },
  peers: { long: 'Peers', short: 'Peers' },
  listeners: { long: 'Listeners', short: 'Listen' },
  events: { long: 'Events', short: 'Events' },
};

/** `table` is the active pane's table, null on the detail and help pages. */
export function selectTabs(active: PaneId, table: TableView | null, width: number): ScreenView['tabs'] {
  const count =
    table === null ? '' : table.matchingRows === table.totalRows ? formatCount(table.totalRows) : `${formatCount(table.matchingRows)}/${formatCount(table.totalRows)}`;
  const layouts = [
    { name: 'long', counted: true },
    { name: 'long', counted: false },
    { name: 'short', counted: false },
  ] as const;
  let tabs: ScreenView['tabs'] = [];
  for (const layout of layouts) {
    tabs = paneOrder.map((pane, position) => {
      const name = `${position + 1} ${PANE_NAMES[pane][layout.name]}`;
      const isActive = pane === active;
      return { pane, label: isActive && layout.counted && count !== '' ? `${name} (${count})` : name, active: isActive };
    });
    if (tabs.reduce((sum, tab) => sum + displayWidth(tab.label) + TAB_DECORATION_WIDTH, 0) <= width) break;
  }
  return tabs;
}
