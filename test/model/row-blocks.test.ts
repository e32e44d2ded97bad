import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RowBlocks } from '../../src/model/row-blocks.js';

const NEW_ROW = Float64Array.of(0, Number.NaN, 7);

describe('rows of numbers in blocks', () => {
  test('rows past a block hold their own numbers, and a block handed out before stays the one its rows are in', () => {
    const rows = new RowBlocks(NEW_ROW);
    const first = rows.allocate();
    const heldBlock = rows.blockOf(first);
    const numbers: number[] = [];
    for (let index = 0; index < 2500; index++) {
      const row = index === 0 ? first : rows.allocate();
      rows.set(row, 0, index * 1.5);
      numbers.push(row);
    }
    assert.equal(rows.blockOf(first), heldBlock, 'growing never replaced a block');
    heldBlock[rows.offsetOf(first)] = -1;
    assert.equal(rows.get(first, 0), -1);
    for (let index = 1; index < numbers.length; index++) {
      const row = numbers[index] as number;
      assert.equal(rows.get(row, 0), index * 1.5, `row ${row}`);
      assert.ok(Number.isNaN(rows.get(row, 1)));
      assert.equal(rows.get(row, 2), 7);
    }
    assert.notEqual(rows.blockOf(numbers[2000] as number), heldBlock);
  });

  test('a row taken back is handed out again as new', () => {
    const rows = new RowBlocks(NEW_ROW);
    const row = rows.allocate();
    rows.set(row, 0, 42);
    rows.set(row, 1, 43);
    rows.release(row);
    const again = rows.allocate();
    assert.equal(again, row);
    assert.deepEqual([rows.get(again, 0), rows.get(again, 1), rows.get(again, 2)], [0, Number.NaN, 7]);
    assert.equal(rows.allocate(), row + 1);
  });

  test('rows of zeros', () => {
    const rows = RowBlocks.ofZeros(4);
    assert.equal(rows.fields, 4);
    const row = rows.allocate();
    assert.deepEqual([0, 1, 2, 3].map((field) => rows.get(row, field)), [0, 0, 0, 0]);
  });
});
