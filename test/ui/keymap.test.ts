import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandForFunctionKey, commandForKey, contextAfter, functionKeysIn, keysInChunk, type KeyContext } from '../../src/ui/keymap.js';
import { key } from './ink-key.js';


const rows = { keys: ['1001', '1002', '1003'], pageSize: 2 };
const browsing: KeyContext = { filterEditing: false, filterText: '', navigation: rows, selectedKey: '1002', helpPageCount: null };
const typing: KeyContext = { ...browsing, filterEditing: true, filterText: 'cu' };

describe('keymap', () => {
  test('a chunk of typed keys is one key each: Enter and Tab inside it are Enter and Tab', () => {
    const chunk = keysInChunk('ab\r\tc', key());
    assert.deepEqual(chunk.map(([input]) => input), ['a', 'b', '\r', '\t', 'c']);
    assert.deepEqual(chunk.map(([, pressed]) => [pressed.return, pressed.tab]), [[false, false], [false, false], [true, false], [false, true], [false, false]]);
    // The filter typed and kept in one chunk, as tmux send-keys delivers it: the prompt closes with the text kept.
    let context: KeyContext = { ...browsing, filterEditing: true, filterText: '' };
    const commands = keysInChunk('port:80\r', key()).map(([input, pressed]) => {
      const command = commandForKey(input, pressed, context);
      context = contextAfter(context, command);
      return command;
    });
    assert.deepEqual(commands.at(-1), { type: 'keepFilter' });
    assert.equal(context.filterText, 'port:80');
    assert.equal(context.filterEditing, false);
    assert.deepEqual(keysInChunk('\r', key({ return: true })), [['\r', key({ return: true })]], 'a single key is passed as Ink parsed it');
  });

  test('on the help page the movement keys turn its pages; other keys keep their meaning', () => {
    const reading: KeyContext = { ...browsing, navigation: { keys: [], pageSize: 20 }, helpPageCount: 3 };
    for (const [input, pressed, to] of [
      ['', { downArrow: true }, 'next'],
      ['', { pageDown: true }, 'next'],
      ['j', {}, 'next'],
      ['', { upArrow: true }, 'previous'],
      ['', { pageUp: true }, 'previous'],
      ['k', {}, 'previous'],
      ['g', {}, 'first'],
      ['', { home: true }, 'first'],
      ['G', {}, 'last'],
      ['', { end: true }, 'last'],
    ] as const) {
      assert.deepEqual(commandForKey(input, key(pressed), reading), { type: 'turnHelpPage', to, pageCount: 3 }, `${input} ${JSON.stringify(pressed)}`);
    }
    assert.equal(commandForKey('q', key(), reading), 'quit');
    assert.deepEqual(commandForKey('?', key(), reading), { type: 'toggleHelp' });
  });

  test('moves with arrows, j/k, PgUp/PgDn, Home/End and g/G, carrying the rows', () => {
    assert.deepEqual(commandForKey('', key({ upArrow: true }), browsing), { type: 'move', delta: -1, rows });
    assert.deepEqual(commandForKey('', key({ downArrow: true }), browsing), { type: 'move', delta: 1, rows });
    assert.deepEqual(commandForKey('k', key(), browsing), { type: 'move', delta: -1, rows });
    assert.deepEqual(commandForKey('j', key(), browsing), { type: 'move', delta: 1, rows });
    assert.deepEqual(commandForKey('', key({ pageUp: true }), browsing), { type: 'page', direction: -1, rows });
    assert.deepEqual(commandForKey('', key({ pageDown: true }), browsing), { type: 'page', direction: 1, rows });
    assert.deepEqual(commandForKey('', key({ home: true }), browsing), { type: 'moveToStart', rows });
    assert.deepEqual(commandForKey('', key({ end: true }), browsing), { type: 'moveToEnd', rows });
    assert.deepEqual(commandForKey('g', key(), browsing), { type: 'moveToStart', rows });
    assert.deepEqual(commandForKey('G', key({ shift: true }), browsing), { type: 'moveToEnd', rows });
  });

  test('changes pane with Tab, Shift-Tab and the number keys 1–6', () => {
    assert.deepEqual(commandForKey('', key({ tab: true }), browsing), { type: 'nextPane' });
    assert.deepEqual(commandForKey('', key({ tab: true, shift: true }), browsing), { type: 'previousPane' });
    assert.deepEqual(commandForKey('1', key(), browsing), { type: 'selectPane', pane: 'connections' });
    assert.deepEqual(commandForKey('3', key(), browsing), { type: 'selectPane', pane: 'containers' });
    assert.deepEqual(commandForKey('4', key(), browsing), { type: 'selectPane', pane: 'peers' });
    assert.deepEqual(commandForKey('6', key(), browsing), { type: 'selectPane', pane: 'events' });
    assert.equal(commandForKey('7', key(), browsing), null);
    assert.equal(commandForKey('0', key(), browsing), null);
  });

  test('sorts with < and >, inverts with I', () => {
    assert.deepEqual(commandForKey('<', key(), browsing), { type: 'sortPreviousColumn' });
    assert.deepEqual(commandForKey('>', key(), browsing), { type: 'sortNextColumn' });
    assert.deepEqual(commandForKey('I', key({ shift: true }), browsing), { type: 'invertSort' });
  });

  test('drills in with Enter on the selected row, and backs out with Esc or Backspace', () => {
    assert.deepEqual(commandForKey('\r', key({ return: true }), browsing), { type: 'enter', key: '1002' });
    assert.deepEqual(commandForKey('\r', key({ return: true }), { ...browsing, selectedKey: null }), { type: 'enter', key: null });
    assert.deepEqual(commandForKey('', key({ escape: true }), browsing), { type: 'back' });
    assert.deepEqual(commandForKey('', key({ backspace: true }), browsing), { type: 'back' });
  });

  test('pauses with Space and Z, changes the interval with + and -, opens help with ?, h', () => {
    assert.deepEqual(commandForKey(' ', key(), browsing), { type: 'togglePause' });
    assert.deepEqual(commandForKey('Z', key({ shift: true }), browsing), { type: 'togglePause' });
    assert.deepEqual(commandForKey('+', key(), browsing), { type: 'changeInterval', direction: 1 });
    assert.deepEqual(commandForKey('-', key(), browsing), { type: 'changeInterval', direction: -1 });
    assert.deepEqual(commandForKey('?', key(), browsing), { type: 'toggleHelp' });
    assert.deepEqual(commandForKey('h', key(), browsing), { type: 'toggleHelp' });
  });

  test('saves with s and Ctrl-S, quits with q and Ctrl-C', () => {
    assert.equal(commandForKey('s', key(), browsing), 'save');
    assert.equal(commandForKey('s', key({ ctrl: true }), browsing), 'save');
    assert.equal(commandForKey('q', key(), browsing), 'quit');
    assert.equal(commandForKey('c', key({ ctrl: true }), browsing), 'quit');
  });

  test('marks the baseline with b, opens the Changes page with B', () => {
    assert.equal(commandForKey('b', key(), browsing), 'markBaseline');
    assert.deepEqual(commandForKey('B', key({ shift: true }), browsing), { type: 'toggleChanges' });
  });

  test('ignores keys it does not bind, and the empty input Ink reports for function keys', () => {
    assert.equal(commandForKey('x', key(), browsing), null);
    assert.equal(commandForKey('', key(), browsing), null);
    assert.equal(commandForKey('q', key({ ctrl: true }), browsing), null);
    assert.equal(commandForKey('q', key({ meta: true }), browsing), null);
    assert.equal(commandForKey('', key({ leftArrow: true }), browsing), null);
  });

  test('opens the filter with /; while it is open, typed characters edit the text and nothing else fires', () => {
    assert.deepEqual(commandForKey('/', key(), browsing), { type: 'openFilter' });
    assert.deepEqual(commandForKey('r', key(), typing), { type: 'editFilter', text: 'cur' });
    assert.deepEqual(commandForKey('q', key(), typing), { type: 'editFilter', text: 'cuq' });
    assert.deepEqual(commandForKey(' ', key(), typing), { type: 'editFilter', text: 'cu ' });
    assert.deepEqual(commandForKey('j', key(), typing), { type: 'editFilter', text: 'cuj' });
    assert.deepEqual(commandForKey('rl\n', key(), typing), { type: 'editFilter', text: 'curl' }, 'a paste loses its control characters');
    assert.equal(commandForKey('', key({ downArrow: true }), typing), null);
    assert.equal(commandForKey('', key({ tab: true }), typing), null);
    assert.equal(commandForKey('s', key({ ctrl: true }), typing), null);
  });

  test('in the filter prompt, Backspace deletes a character, Enter keeps, Esc clears, Ctrl-C still quits', () => {
    assert.deepEqual(commandForKey('', key({ backspace: true }), typing), { type: 'editFilter', text: 'c' });
    assert.deepEqual(commandForKey('', key({ backspace: true }), { ...typing, filterText: 'nginx🙂' }), { type: 'editFilter', text: 'nginx' });
    assert.deepEqual(commandForKey('', key({ backspace: true }), { ...typing, filterText: '' }), { type: 'editFilter', text: '' });
    assert.deepEqual(commandForKey('\r', key({ return: true }), typing), { type: 'keepFilter' });
    assert.deepEqual(commandForKey('', key({ escape: true }), typing), { type: 'clearFilter' });
    assert.equal(commandForKey('c', key({ ctrl: true }), typing), 'quit');
  });

  test('maps F1 to help, F6 to the sort menu and F10 to quit; only F10 works in the prompt', () => {
    assert.deepEqual(commandForFunctionKey('f1', browsing), { type: 'toggleHelp' });
    assert.deepEqual(commandForFunctionKey('f6', browsing), { type: 'openSortMenu' });
    assert.deepEqual(commandForKey('o', key(), browsing), { type: 'openSortMenu' }, 'o is the letter beside F6');
    assert.equal(commandForFunctionKey('f10', browsing), 'quit');
    assert.equal(commandForFunctionKey('f1', typing), null);
    assert.equal(commandForFunctionKey('f6', typing), null);
    assert.equal(commandForFunctionKey('f10', typing), 'quit');
  });

  test('finds the function keys in raw input, in order, in the forms terminals send', () => {
    assert.deepEqual(functionKeysIn('\u001bOP'), ['f1']);
    assert.deepEqual(functionKeysIn('\u001b[11~'), ['f1']);
    assert.deepEqual(functionKeysIn('\u001b[[A'), ['f1']);
    assert.deepEqual(functionKeysIn('\u001b[21~j\u001b[17~\u001bOP'), ['f10', 'f6', 'f1']);
    assert.deepEqual(functionKeysIn('\u001b[A\u001b[15~q'), [], 'arrows, other F-keys and letters are not bound here');
  });

  test('carries the prompt forward so keys of one stdin chunk build on each other', () => {
    const opened = contextAfter(browsing, { type: 'openFilter' });
    assert.equal(opened.filterEditing, true);
    const edited = contextAfter(opened, { type: 'editFilter', text: 'c' });
    assert.equal(edited.filterText, 'c');
    assert.deepEqual(commandForKey('u', key(), edited), { type: 'editFilter', text: 'cu' });
    assert.equal(contextAfter(edited, { type: 'keepFilter' }).filterEditing, false);
    assert.deepEqual(contextAfter(edited, { type: 'clearFilter' }), { ...browsing, filterText: '' });
    assert.equal(contextAfter(browsing, 'quit'), browsing);
    assert.equal(contextAfter(browsing, null), browsing);
  });
});

describe('keymap: columns and process groups', () => {
  test('C and F2 open the column chooser, H groups processes; F2 does nothing in the filter prompt', () => {
    assert.deepEqual(commandForKey('C', key(), browsing), { type: 'openColumnMenu' });
    assert.deepEqual(commandForFunctionKey('f2', browsing), { type: 'openColumnMenu' });
    assert.equal(commandForFunctionKey('f2', typing), null);
    assert.deepEqual(commandForKey('H', key(), browsing), { type: 'toggleProcessGroups' });
    assert.deepEqual(commandForKey('H', key(), typing), { type: 'editFilter', text: 'cuH' });
    assert.deepEqual(functionKeysIn('\u001bOQ\u001b[12~\u001b[[B'), ['f2', 'f2', 'f2']);
  });

  test('while the chooser is open, Enter and Space toggle the column under its cursor; elsewhere they do not', () => {
    const choosing: KeyContext = { ...browsing, shownColumnIds: ['process', 'remote'] };
    assert.deepEqual(commandForKey('\r', key({ return: true }), choosing), { type: 'toggleColumn', shownColumnIds: ['process', 'remote'] });
    assert.deepEqual(commandForKey(' ', key(), choosing), { type: 'toggleColumn', shownColumnIds: ['process', 'remote'] });
    assert.deepEqual(commandForKey(' ', key(), browsing), { type: 'togglePause' });
    assert.deepEqual(commandForKey('\r', key({ return: true }), browsing), { type: 'enter', key: '1002' });
  });
});
