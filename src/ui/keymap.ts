/**
 * Every key netscope answers to, as pure functions from a key press to a command, so the whole
 * keymap is readable (and testable) in one place. The hook in hooks/use-keys.ts feeds it.
 */
import type { Key } from 'ink';
import { FINDINGS_PANE_KEY, paneOrder, type FindingScope, type UiAction, type VisibleRows } from './view-model/ui-state.js';

/**
 * What a key asks for: a UI state change, an effect outside the reducer (quit, save a snapshot,
 * write the flight recorder), or nothing.
 */
export type KeyCommand = UiAction | 'quit' | 'save' | 'writeFlightRecording' | 'markBaseline' | null;

/** What the keymap needs to know about the screen to build an action. */
export interface KeyContext {
  /** The `/` prompt is open: typed characters edit the filter and no other binding fires. */
  filterEditing: boolean;
  /** The filter text as it stands (the prompt edits replace it whole). */
  filterText: string;
  /** The current pane's rows, carried by every movement action. */
  navigation: VisibleRows;
  /** Key of the selected row, carried by Enter. */
  selectedKey: string | null;
  /** On the Findings pane, the selected finding's evidence, carried by Enter; null elsewhere (absent: null). */
  selectedFinding?: FindingScope | null;
  /** The tab line shows Findings, so Tab and Shift-Tab walk it too (absent: false). */
  findingsShown?: boolean;
  /** Pages of the help while it is open (the movement keys turn them); null on the other pages. */
  helpPageCount?: number | null;
  /** While the column chooser is open, the columns the table shows (Enter and Space toggle the one under its cursor); null otherwise (absent: null). */
  shownColumnIds?: readonly string[] | null;
}

/** The function keys netscope binds; Ink's useInput reports them as empty input. */
export type FunctionKey = 'f1' | 'f2' | 'f6' | 'f10';

/**
 * Raw sequences of the bound function keys. xterm, VTE, tmux and screen send `ESC O P` for F1;
 * rxvt and PuTTY send `ESC [ 11 ~`, the Linux console `ESC [ [ A` (F2: `ESC O Q`, `ESC [ 12 ~`,
 * `ESC [ [ B`). F6 and F10 agree everywhere.
 */
const functionKeySequences: readonly [string, FunctionKey][] = [
  ['\u001bOP', 'f1'],
  ['\u001b[11~', 'f1'],
  ['\u001b[[A', 'f1'],
  ['\u001bOQ', 'f2'],
  ['\u001b[12~', 'f2'],
  ['\u001b[[B', 'f2'],
  ['\u001b[17~', 'f6'],
  ['\u001b[21~', 'f10'],
];

/** Typed text without control characters (a paste may carry newlines or escapes). */
function printable(input: string): string {
  return input.replace(/\p{Cc}/gu, '');
}

/** The text less its last character (by code point, so an emoji goes whole). */
function withoutLastCharacter(text: string): string {
  return Array.from(text).slice(0, -1).join('');
}

function filterPromptCommand(input: string, key: Key, text: string): KeyCommand {
  if (key.return) return { type: 'keepFilter' };
  if (key.escape) return { type: 'clearFilter' };
  if (key.backspace || key.delete) return { type: 'editFilter', text: withoutLastCharacter(text) };
  if (key.ctrl || key.meta) return null;
  const typed = printable(input);
  return typed === '' ? null : { type: 'editFilter', text: text + typed };
}

function paneForDigit(input: string): UiAction | null {
  const pane = /^[1-9]$/.test(input) ? paneOrder[Number(input) - 1] : undefined;
  return pane === undefined ? null : { type: 'selectPane', pane };
}

/** Which way a movement key turns the help's pages; null for other keys. */
function helpPageTurn(input: string, key: Key): 'next' | 'previous' | 'first' | 'last' | null {
  if (key.downArrow || key.pageDown || input === 'j') return 'next';
  if (key.upArrow || key.pageUp || input === 'k') return 'previous';
  if (key.home || input === 'g') return 'first';
  if (key.end || input === 'G') return 'last';
  return null;
}

/** Maps one key press, as Ink's useInput reports it, to what it asks for. */
export function commandForKey(input: string, key: Key, context: KeyContext): KeyCommand {
  // Ctrl-C quits from anywhere, the filter prompt included: it is how people leave a stuck TUI.
  if (key.ctrl && input === 'c') return 'quit';
  if (context.filterEditing) return filterPromptCommand(input, key, context.filterText);
  if (key.ctrl) return input === 's' ? 'save' : null;
  if (key.meta) return null;

  if (context.helpPageCount !== undefined && context.helpPageCount !== null) {
    const turn = helpPageTurn(input, key);
    if (turn !== null) return { type: 'turnHelpPage', to: turn, pageCount: context.helpPageCount };
  }
  const shownColumnIds = context.shownColumnIds ?? null;
  if (shownColumnIds !== null && (key.return || input === ' ')) return { type: 'toggleColumn', shownColumnIds };
  const rows = context.navigation;
  if (key.upArrow) return { type: 'move', delta: -1, rows };
  if (key.downArrow) return { type: 'move', delta: 1, rows };
  if (key.pageUp) return { type: 'page', direction: -1, rows };
  if (key.pageDown) return { type: 'page', direction: 1, rows };
  if (key.home) return { type: 'moveToStart', rows };
  if (key.end) return { type: 'moveToEnd', rows };
  if (key.tab) {
    const findings = context.findingsShown === true ? { findingsShown: true as const } : {};
    return key.shift ? { type: 'previousPane', ...findings } : { type: 'nextPane', ...findings };
  }
  if (key.return) {
    const finding = context.selectedFinding ?? null;
    return finding === null ? { type: 'enter', key: context.selectedKey } : { type: 'enterFinding', scope: finding };
  }
  if (key.escape || key.backspace) return { type: 'back' };

  switch (input) {
    case 'k':
      return { type: 'move', delta: -1, rows };
    case 'j':
      return { type: 'move', delta: 1, rows };
    case 'g':
      return { type: 'moveToStart', rows };
    case 'G':
      return { type: 'moveToEnd', rows };
    case '<':
      return { type: 'sortPreviousColumn' };
    case '>':
      return { type: 'sortNextColumn' };
    case 'I':
      return { type: 'invertSort' };
    case 'o':
      return { type: 'openSortMenu' };
    case 'C':
      return { type: 'openColumnMenu' };
    case 'H':
      return { type: 'toggleProcessGroups' };
    case '/':
      return { type: 'openFilter' };
    case ' ':
    case 'Z':
      return { type: 'togglePause' };
    case 't':
      return { type: 'toggleClosed' };
    case 'e':
      return { type: 'cycleEventType' };
    case 'L':
      return { type: 'toggleGauges' };
    case 'n':
      return { type: 'toggleNames' };
    case '+':
      return { type: 'changeInterval', direction: 1 };
    case '-':
      return { type: 'changeInterval', direction: -1 };
    case '?':
    case 'h':
      return { type: 'toggleHelp' };
    case 's':
      return 'save';
    case 'b':
      return 'markBaseline';
    case 'B':
      return { type: 'toggleChanges' };
    case 'w':
      return 'writeFlightRecording';
    case '.':
      return { type: 'stepReplay', direction: 1 };
    case ',':
      return { type: 'stepReplay', direction: -1 };
    case ']':
      return { type: 'changeReplaySpeed', direction: 1 };
    case '[':
      return { type: 'changeReplaySpeed', direction: -1 };
    case 'd':
      return { type: 'openFindingDetail', key: context.selectedKey };
    case FINDINGS_PANE_KEY:
      return { type: 'selectPane', pane: 'findings' };
    case 'q':
      return 'quit';
    default:
      return paneForDigit(input);
  }
}

/** Maps a bound function key to what it asks for. Only F10 works while the filter prompt is open. */
export function commandForFunctionKey(functionKey: FunctionKey, context: KeyContext): KeyCommand {
  if (functionKey === 'f10') return 'quit';
  if (context.filterEditing) return null;
  switch (functionKey) {
    case 'f1':
      return { type: 'toggleHelp' };
    case 'f2':
      return { type: 'openColumnMenu' };
    case 'f6':
      return { type: 'openSortMenu' };
  }
}

/**
 * The key presses in one chunk of typed input as Ink hands it over. Ink splits escape sequences,
 * Backspace and Ctrl-C out of a chunk but leaves Enter and Tab inside it (a paste may hold them),
 * so `port:8080⏎` sent at once — a fast typist, ssh, tmux send-keys, a frame that kept the loop
 * busy — arrives as one string: each character is its own key, and Enter and Tab are Enter and Tab.
 */
export function keysInChunk(input: string, key: Key): [string, Key][] {
  const characters = [...input];
  if (characters.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  const plain: Key = { ...key, return: false, tab: false };
  return characters.map((character): [string, Key] => {
    if (character === '\r' || character === '\n') return [character, { ...plain, return: true }];
    if (character === '\t') return [character, { ...plain, tab: true }];
    return [character, plain];
  });
}

/** The bound function keys in a chunk of raw terminal input, in the order they were pressed. */
export function functionKeysIn(data: string): FunctionKey[] {
  const found: { at: number; functionKey: FunctionKey }[] = [];
  for (const [sequence, functionKey] of functionKeySequences) {
    for (let at = data.indexOf(sequence); at !== -1; at = data.indexOf(sequence, at + sequence.length)) {
      found.push({ at, functionKey });
    }
  }
  return found.sort((left, right) => left.at - right.at).map((entry) => entry.functionKey);
}

/**
 * The context as a command leaves it, for the prompt fields the keys themselves change. Keys in one
 * stdin chunk (a held Backspace, a fast typist over ssh) can arrive before React renders again; each
 * must build on the one before, not on the last rendered text.
 */
export function contextAfter(context: KeyContext, command: KeyCommand): KeyContext {
  if (command === null || typeof command === 'string') return context;
  switch (command.type) {
    case 'openFilter':
      return { ...context, filterEditing: true };
    case 'editFilter':
      return { ...context, filterText: command.text };
    case 'keepFilter':
      return { ...context, filterEditing: false };
    case 'clearFilter':
      return { ...context, filterEditing: false, filterText: '' };
    default:
      return context;
  }
}
