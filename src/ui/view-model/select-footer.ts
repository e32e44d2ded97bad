/**
 * The footer: the key hints for what is on screen, fitted to the width (most useful first),
 * and above them — only while set — the filter and a message. The filter prompt replaces the
 * hints with the filter syntax while it is open.
 */
import type { FooterView, Tone } from './view-types.js';
import type { UiState } from './ui-state.js';
import { formatInterval, formatSpeed, truncate } from './format.js';
import { displayWidth, takeWidthFromEnd } from './text-width.js';

/** What separates two hints, and the filter from the message. */
const GAP = '  ';
/** The text cursor drawn at the end of the filter prompt. */
const PROMPT_CURSOR = '▏';

/** Lines `footer` takes: the hints, plus one for the filter and message when either is set. */
export function footerLineCount(footer: FooterView): number {
  return footer.filter === null && footer.message === null ? 1 : 2;
}

/** What may claim the footer's message line besides the state's transient message; null when quiet. */
export interface FooterSignals {
  /** From parseFilter. */
  filterError: string | null;
  /** The capture's lasting warning (a recording that stopped at its cap). */
  notice: string | null;
  /** A `--container`/`--pod` scope that matches nothing yet. */
  unmatchedScope: string | null;
}

/**
 * The footer. The message line shows, first found: the filter error in bad tone, the state's
 * transient message, then — as warnings, for as long as they last — the capture's notice and
 * the unmatched scope.
 */
export function selectFooter(state: UiState, width: number, signals: FooterSignals): FooterView {
  const { filterError, notice, unmatchedScope } = signals;
  const message: FooterView['message'] =
    filterError !== null
      ? { text: filterError, tone: 'bad' }
      : state.message !== null
        ? { text: state.message.text, tone: messageTone(state.message.tone) }
        : notice !== null
          ? { text: notice, tone: 'warn' }
          : unmatchedScope !== null
            ? { text: unmatchedScope, tone: 'warn' }
            : null;
  // Filter and message share a line: the message gets what it needs, up to half of it.
  const filterBudget = message === null ? width : Math.max(width - displayWidth(message.text) - GAP.length, Math.floor(width / 2));
  const filter = describeFilter(state, filterBudget);
  const messageWidth = width - (filter === null ? 0 : displayWidth(filter) + GAP.length);
  return {
    keys: fitHints(hintsFor(state), width),
    filter,
    message: message === null ? null : { ...message, text: truncate(message.text, messageWidth) },
  };
}

function messageTone(tone: 'info' | 'error'): Tone {
  return tone === 'error' ? 'bad' : 'accent';
}

/**
 * `/ text▏` while typing (the end of a long text stays visible, where the cursor is), `filter:
 * text` once kept, null without a filter.
 */
function describeFilter(state: UiState, width: number): string | null {
  const { text, editing } = state.filter;
  if (editing) {
    const room = Math.max(1, width - 2 - PROMPT_CURSOR.length);
    const shown = displayWidth(text) <= room ? text : `…${takeWidthFromEnd(text, room - 1)}`;
    return `/ ${shown}${PROMPT_CURSOR}`;
  }
  return text === '' ? null : truncate(`filter: ${text}`, width);
}

/** Key hints, most useful first; the ones that do not fit are left off. */
function hintsFor(state: UiState): string[] {
  if (state.filter.editing) {
    return ['Enter keep', 'Esc clear', "'exact !not ^start end$", 'a b = and', 'a|b = or', 'pid:N port:N state:NAME', 'ctr:NAME pod:NAME'];
  }
  const pause = state.paused ? 'Space resume' : 'Space pause';
  switch (state.view.kind) {
    case 'help':
      return ['Esc close', 'q quit'];
    case 'changes':
      return ['Esc back', 'b mark now', 'q quit', pause, 's save', '? help'];
    case 'detail':
    case 'finding':
      return ['Esc back', 'q quit', pause, 's save', '? help'];
    case 'gauges':
      return ['Esc back', 'L close', 'q quit', pause, 's save', '? help'];
    case 'sortMenu':
      return ['Enter sort', 'Esc close', '↑↓ move', 'q quit', pause, '? help'];
    case 'columnMenu':
      return ['Enter on/off', 'Esc close', '↑↓ move', 'q quit', pause, '? help'];
    case 'table': {
      const back = state.scope !== null ? ['Esc leave scope'] : state.filter.text !== '' ? ['Esc clear filter'] : [];
      // A replay steps and changes speed; a live capture changes its interval and has a flight recorder.
      const pace =
        state.replaySpeed === null
          ? [`+ - ${formatInterval(state.intervalMs)}`, 's save', 'w flight rec']
          : ['. , step', `[ ] ${formatSpeed(state.replaySpeed)}`, 's save'];
      const closed = state.pane !== 'connections' ? [] : state.closedHidden ? ['t show closed'] : ['t hide closed'];
      const open = state.pane === 'findings' ? ['Enter evidence', 'd details'] : state.scope?.kind === 'finding' ? ['Enter open', 'd finding'] : ['Enter open'];
      const types = state.pane === 'events' ? [`e type: ${state.eventType ?? 'all'}`] : [];
      const groups = state.pane !== 'processes' ? [] : state.processesGrouped ? ['H per pid'] : ['H group by name'];
      return [...back, 'q quit', '? help', '/ filter', ...open, ...groups, 'Tab pane', '< > sort', 'o sort menu', 'C columns', 'I invert', pause, ...pace, ...closed, ...types];
    }
  }
}

function fitHints(hints: readonly string[], width: number): string {
  let line = '';
  for (const hint of hints) {
    const next = line === '' ? hint : line + GAP + hint;
    if (displayWidth(next) > width) break;
    line = next;
  }
  return line;
}
