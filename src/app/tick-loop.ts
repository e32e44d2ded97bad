/**
 * The one tick loop every mode runs on: headless and the live view tick every interval, a
 * replay when its recording ticked. The pace says how long until the next tick (null: none
 * due, as for a paused or finished replay). The time a tick takes counts against the wait for
 * the next, so a slow tick does not push every later one back.
 */

/** Milliseconds until the next tick is due, or null when none is. */
export type TickPace = () => number | null;

export class TickLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly pace: TickPace,
    private readonly tick: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules ticks by the pace; the caller ticks once first if the first frame should not wait. */
  start(): void {
    this.running = true;
    this.reschedule();
  }

  /** The pace changed (a new interval, a new speed, playback paused or stepped): the next tick is due from now. */
  reschedule(): void {
    this.cancel();
    if (this.running) this.schedule(0);
  }

  stop(): void {
    this.running = false;
    this.cancel();
  }

  private schedule(spentMs: number): void {
    const delayMs = this.pace();
    if (delayMs === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const startedAtMs = this.now();
        this.tick();
        if (this.running) this.schedule(this.now() - startedAtMs);
      },
      Math.max(0, delayMs - spentMs),
    );
  }

  private cancel(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
