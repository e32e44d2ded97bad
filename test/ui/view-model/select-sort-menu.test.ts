import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { paneColumns } from '../../../src/ui/view-model/columns.js';
import { selectSortMenu } from '../../../src/ui/view-model/select-sort-menu.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';

describe('sort menu', () => {
  test('lists every column of the pane, the current sort marked with its direction and the cursor on one', () => {
    const columns = paneColumns.connections;
    const cursor = columns.findIndex((column) => column.id === 'retrans');
    const menu = selectSortMenu('connections', { column: 'rate', descending: true }, cursor, 80, 40);
    assert.match(menu.title, /^Sort Connections by/);
    assert.equal(menu.lines.length, columns.length);
    assert.deepEqual(
      menu.lines.map((line) => line.text.trim().split(/\s+/)[0] === '>' ? line.text.trim().split(/\s+/)[1] : line.text.trim().split(/\s+/)[0]),
      columns.map((column) => column.header.split(' ')[0]),
    );
    const current = menu.lines.filter((line) => line.current);
    assert.equal(current.length, 1);
    assert.match(current[0]?.text ?? '', /RATE\/s\s+▼ sorted/);
    const selected = menu.lines.filter((line) => line.selected);
    assert.equal(selected.length, 1);
    assert.match(selected[0]?.text ?? '', /^> RETRANS/);
    const ascending = selectSortMenu('connections', { column: 'rate', descending: false }, 0, 80, 40);
    assert.match(ascending.lines.find((line) => line.current)?.text ?? '', /▲ sorted/);
  });

  test('at 80×24 the window follows the cursor, says what lies beyond and fits the width', () => {
    const count = paneColumns.connections.length;
    for (const cursor of [0, Math.floor(count / 2), count - 1]) {
      const menu = selectSortMenu('connections', { column: 'rate', descending: true }, cursor, 60, 10);
      assert.ok(menu.lines.length <= 9, `${menu.lines.length} lines under the title`);
      assert.equal(menu.columnCount, count);
      assert.equal(menu.lines.filter((line) => line.selected).length, 1, `cursor ${cursor} is shown`);
      const more = menu.lines.at(-1)?.text ?? '';
      const [, above, below] = /… (\d+) above, (\d+) below/.exec(more) ?? [];
      assert.equal(Number(above) + Number(below) + menu.lines.length - 1, count, more);
      for (const line of [menu.title, ...menu.lines.map((entry) => entry.text)]) assert.ok(displayWidth(line) <= 60, line);
    }
  });

  test('a cursor past the ends is held to the columns', () => {
    const menu = selectSortMenu('processes', { column: 'bytes', descending: true }, 99, 100, 40);
    assert.equal(menu.lines.findIndex((line) => line.selected), paneColumns.processes.length - 1);
  });
});
