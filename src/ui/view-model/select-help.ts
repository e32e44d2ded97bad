/**
 * The help page: every key netscope answers to, and the filter syntax, laid out for the screen.
 * Nothing is ever cut: a description wraps under itself, entries flow into as many side-by-side
 * columns as their full width allows, and what does not fit one screen goes on to the next page
 * (↓ PgDn, back with ↑ PgUp), as `less` pages, so 80×24 reads as well as a wide terminal.
 */
import type { HelpLine, HelpView } from './view-types.js';
import { INTERVAL_STEPS_MS } from './ui-reducer.js';
import { formatInterval } from './format.js';
import { FINDINGS_PANE_KEY } from './ui-state.js';
import { displayWidth } from './text-width.js';

const FASTEST_MS = INTERVAL_STEPS_MS[0] ?? 0;
const SLOWEST_MS = INTERVAL_STEPS_MS.at(-1) ?? 0;

/** Cells between two columns of entries (the help component puts them there). */
export const HELP_COLUMN_GAP = 3;
/** Cells between an entry's keys and its description. */
const KEYS_GAP = 2;
/**
 * Narrowest column worth a second one beside it: a terminal under twice this shows one column, so
 * 80 columns read as one wide list rather than two cramped ones.
 */
const WIDE_COLUMN_WIDTH = 77;
/** Lines the page's title takes. */
const TITLE_LINES = 1;

/** Rows of [keys, what they do], in reading order. */
export const HELP_ENTRIES: readonly [string, string][] = [
  ['q  Ctrl-C  F10', 'quit'],
  ['?  h  F1', 'this help (Esc closes it)'],
  ['↑ ↓  j k', 'move the selection'],
  ['PgUp PgDn', 'move a page'],
  ['Home End  g G', 'first / last row'],
  ['Tab  Shift-Tab', 'next / previous pane'],
  [`${FINDINGS_PANE_KEY} 1 2 3 4 5 6`, 'Findings Connections Processes Containers Peers Listeners Events'],
  ['Enter  d', "details of a connection; scope to a process, container, peer, the connections a listener accepted, or a finding's evidence (d: its page)"],
  ['Esc  Backspace', 'back: page, then filter prompt, scope, filter'],
  ['< >', 'sort by the previous / next column'],
  ['o  F6', "sort menu: the pane's columns, ↑↓ to one, Enter sorts by it, Esc closes"],
  ['I', 'invert the sort'],
  ['C  F2', "columns: the pane's columns, Enter or Space turns one off, or on ahead of the rest; kept for the session"],
  ['H', 'Processes: one row per name and container (PID shows ×N pids), or per pid again'],
  ['/', 'filter every pane as you type; Enter keeps, Esc clears'],
  ['  words', 'fuzzy on names, pods, commands, states; exact on ports'],
  ["  'x =x ^x x$", 'contains / is / starts with / ends with x'],
  ['  !x', 'rows without x'],
  ['  a b  a|b', 'both a and b / either a or b'],
  ['  pid:N port:N', 'this pid / this port on either side'],
  ['  state:NAME', 'states starting with NAME: state:estab, state:time'],
  ['  ctr: pod:', 'container NAME or id start / pod NAME or NS/NAME'],
  ['  nat:', 'sent elsewhere by NAT: nat:* any, nat:ADDRESS[:PORT] or nat:PORT'],
  ['  workload:', "a pod's Deployment, StatefulSet, DaemonSet, Job or CronJob by NAME"],
  ['  host:', 'a peer by NAME (or a domain it is in) or by address'],
  ['Space  Z', 'pause the view (the capture goes on; a replay stops)'],
  ['t', 'hide / show closed and TIME_WAIT connections (still counted above)'],
  ['n', 'remote endpoints by peer name (from DNS answers and hosts files) / by address'],
  ['L', 'gauges: ports, conntrack, fds, accept queues, TCP memory against their limits'],
  ['e', 'Events: one type at a time (drop, retransmit, reset, refused, connect, accept, close, state), then all'],
  ['+ -', `slower / faster refresh, ${formatInterval(FASTEST_MS)} to ${formatInterval(SLOWEST_MS)}`],
  ['s  Ctrl-S', 'save a JSON snapshot of what is on screen'],
  ['w', 'write the flight recorder: the last minutes as a recording'],
  ['b  B', 'mark now as the baseline / what changed since it (--baseline FILE)'],
  ['.  ,', 'replay: one tick forward / back'],
  ['[  ]', 'replay: half / double speed'],
  ['colours', 'red: failing (lost packets, a CLOSE_WAIT held a minute, a full accept queue); yellow: degraded (retransmits, resets, CLOSE_WAIT, a slow SYN); dim: closed'],
];

/** `text` cut into lines of at most `width` cells, at spaces where it can be (a long word is split). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (displayWidth(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    let rest = word;
    while (displayWidth(rest) > width) {
      const characters = [...rest];
      let taken = '';
      for (const character of characters) {
        if (displayWidth(taken + character) > width) break;
        taken += character;
      }
      lines.push(taken);
      rest = rest.slice(taken.length);
    }
    line = rest;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** The help laid out in `width` × `lines` cells (the title included), showing `page` (clamped to the pages there are). */
export function selectHelp(width: number, lines: number, page = 0): HelpView {
  const keysWidth = Math.max(0, ...HELP_ENTRIES.map(([keys]) => displayWidth(keys))) + KEYS_GAP;
  const naturalWidth = keysWidth + Math.max(0, ...HELP_ENTRIES.map(([, action]) => displayWidth(action)));
  const columnsPerPage = Math.max(1, Math.floor((width + HELP_COLUMN_GAP) / (Math.min(naturalWidth, WIDE_COLUMN_WIDTH) + HELP_COLUMN_GAP)));
  const columnWidth = Math.max(keysWidth + 1, Math.floor((width - HELP_COLUMN_GAP * (columnsPerPage - 1)) / columnsPerPage));
  const linesPerColumn = Math.max(1, lines - TITLE_LINES);

  // Each entry is a block of lines kept together: its keys, then its description wrapped under itself.
  const blocks: HelpLine[][] = HELP_ENTRIES.map(([keys, action]) =>
    wrap(action, columnWidth - keysWidth).map((text, index) => ({ keys: index === 0 ? keys : '', action: text })),
  );
  const columns: HelpLine[][] = [[]];
  for (const block of blocks) {
    const current = columns.at(-1) ?? [];
    if (current.length > 0 && current.length + block.length > linesPerColumn) columns.push([...block]);
    else current.push(...block);
  }
  const pageCount = Math.ceil(columns.length / columnsPerPage);
  const shown = Math.min(Math.max(0, page), pageCount - 1);
  return {
    entries: HELP_ENTRIES,
    title: pageCount === 1 ? 'Keys (Esc or ? to close)' : `Keys (Esc or ? to close) · page ${shown + 1}/${pageCount} · ↓ PgDn ↑ PgUp`,
    columns: columns.slice(shown * columnsPerPage, (shown + 1) * columnsPerPage),
    keysWidth,
    columnWidth,
    page: shown,
    pageCount,
  };
}
