/**
 * The help page: every key netscope answers to, and the filter syntax.
 */
import type { HelpView } from './view-types.js';
import { INTERVAL_STEPS_MS } from './ui-reducer.js';
import { formatInterval } from './format.js';

const FASTEST_MS = INTERVAL_STEPS_MS[0] ?? 0;
const SLOWEST_MS = INTERVAL_STEPS_MS.at(-1) ?? 0;

const HELP: HelpView = {
  entries: [
    ['q  Ctrl-C  F10', 'quit'],
    ['?  h  F1', 'this help (Esc closes it)'],
    ['↑ ↓  j k', 'move the selection'],
    ['PgUp PgDn', 'move a page'],
    ['Home End  g G', 'first / last row'],
    ['Tab  Shift-Tab', 'next / previous pane'],
    ['1 2 3 4 5 6', 'Connections Processes Containers Peers Listeners Events'],
    ['Enter', 'details of a connection; scope to a process, container, peer'],
    ['Esc  Backspace', 'back: page, then filter prompt, scope, filter'],
    ['< >  F6', 'sort by the previous / next column'],
    ['I', 'invert the sort'],
    ['/', 'filter every pane as you type; Enter keeps, Esc clears'],
    ['  words', 'fuzzy on names, pods, commands, states; exact on ports'],
    ["  'x =x ^x x$", 'contains / is / starts with / ends with x'],
    ['  !x', 'rows without x'],
    ['  a b  a|b', 'both a and b / either a or b'],
    ['  pid:N port:N', 'this pid / this port on either side'],
    ['  state:NAME', 'states starting with NAME: state:estab, state:time'],
    ['  ctr: pod:', 'container NAME or id start / pod NAME or NS/NAME'],
    ['Space  Z', 'pause the view (the capture goes on; a replay stops)'],
    ['t', 'hide / show closed and TIME_WAIT connections (still counted above)'],
    ['n', 'remote endpoints by peer name (from DNS answers and hosts files) / by address'],
    ['+ -', `slower / faster refresh, ${formatInterval(FASTEST_MS)} to ${formatInterval(SLOWEST_MS)}`],
    ['s  Ctrl-S', 'save a JSON snapshot of what is on screen'],
    ['w', 'write the flight recorder: the last minutes as a recording'],
    ['b  B', 'mark now as the baseline / what changed since it (--baseline FILE)'],
    ['.  ,', 'replay: one tick forward / back'],
    ['[  ]', 'replay: half / double speed'],
  ],
};

/** The help page's content (the same for every frame). */
export function selectHelp(): HelpView {
  return HELP;
}
