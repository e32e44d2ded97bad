import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TickLoop } from '../../src/app/tick-loop.js';

describe('TickLoop', () => {
  test('ticks at its pace, follows a new pace from now on, and stops', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let intervalMs = 1000;
    let ticks = 0;
    const loop = new TickLoop(() => intervalMs, () => ticks++, () => 0);
    loop.start();
    t.mock.timers.tick(999);
    assert.equal(ticks, 0);
    t.mock.timers.tick(1);
    assert.equal(ticks, 1);
    t.mock.timers.tick(1000);
    t.mock.timers.tick(1000);
    assert.equal(ticks, 3);
    intervalMs = 100;
    loop.reschedule();
    for (let step = 0; step < 3; step++) t.mock.timers.tick(100);
    assert.equal(ticks, 6);
    loop.stop();
    t.mock.timers.tick(10_000);
    assert.equal(ticks, 6);
  });

  test('a pace of null schedules nothing until rescheduled', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let paused = true;
    let ticks = 0;
    const loop = new TickLoop(() => (paused ? null : 500), () => ticks++, () => 0);
    loop.start();
    t.mock.timers.tick(5000);
    assert.equal(ticks, 0);
    paused = false;
    loop.reschedule();
    t.mock.timers.tick(500);
    assert.equal(ticks, 1);
  });

  test('the time a tick takes counts against the wait for the next', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let clockMs = 0;
    const tickedAt: number[] = [];
    const loop = new TickLoop(
      () => 1000,
      () => {
        tickedAt.push(clockMs);
        clockMs += 300;
      },
      () => clockMs,
    );
    loop.start();
    for (let step = 0; step < 3; step++) {
      // The mocked timers do not move the injected clock: move both.
      const before = tickedAt.length;
      while (tickedAt.length === before) {
        clockMs += 100;
        t.mock.timers.tick(100);
      }
    }
    assert.deepEqual(tickedAt, [1000, 2000, 3000]);
    loop.stop();
  });
});
