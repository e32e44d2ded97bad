/**
 * Drives a program in a real terminal: a detached tmux session of a fixed size, on a tmux server
 * of its own. A shared server exits when its last session is killed, and a session started in
 * that moment fails with "server exited unexpectedly"; a private one has no such race.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Long enough for the rest of a frame to arrive; short beside a tick, so a live screen holds still that long. */
const FRAME_SETTLE_MS = 50;
/** Looks for a screen that holds still before taking the last one seen (a second at most). */
const MAX_SETTLE_LOOKS = 20;
const pause = new Int32Array(new SharedArrayBuffer(4));

export class TmuxSession {
  readonly name = `netscope-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(command: string, size: { width: number; height: number }, environment: Record<string, string> = {}) {
    const exports = Object.entries(environment).map(([key, value]) => `export ${key}='${value}'; `).join('');
    // One invocation, so the pane is kept even when the command exits at once.
    this.tmux(['new-session', '-d', '-s', this.name, '-x', String(size.width), '-y', String(size.height), `${exports}${command}`,
      ';', 'set-option', '-t', this.name, 'remain-on-exit', 'on']);
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.name, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * The visible screen, one string per line, once it holds still for a moment. A frame reaches
   * tmux a few KiB at a time, so one capture can catch it half drawn: CI once saw the help page
   * cut off halfway down. A screen that keeps changing is returned as last seen.
   */
  screen(): string {
    let screen = this.capture();
    for (let look = 0; look < MAX_SETTLE_LOOKS; look++) {
      // Blocks the test for the pause: screen() stays synchronous for the tests that read it.
      Atomics.wait(pause, 0, 0, FRAME_SETTLE_MS);
      const again = this.capture();
      if (again === screen) return screen;
      screen = again;
    }
    return screen;
  }

  private capture(): string {
    return this.tmux(['capture-pane', '-p', '-t', this.name]);
  }

  /** The visible screen with its colours and attributes, as escape sequences (capture-pane -e). */
  screenWithAttributes(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.name]);
  }

  /** The pane's title, which a program can set with OSC 0 or 2. */
  paneTitle(): string {
    return this.format('#{pane_title}');
  }

  /** Keys in tmux's send-keys syntax (`q`, `Enter`, `Escape`, `Tab`, `F1`), or literal text. */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  /** Is the program still showing the alternate screen (0 once it restored the terminal)? */
  alternateScreenOn(): boolean {
    return this.format('#{alternate_on}') === '1';
  }

  /** The pid of the shell the pane runs the command in. */
  panePid(): number {
    return Number(this.format('#{pane_pid}'));
  }

  private format(format: string): string {
    return this.tmux(['display-message', '-p', '-t', this.name, format]).trim();
  }

  /** Waits until the screen, held still (see screen()), satisfies `predicate`; returns that screen. */
  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (predicate(screen)) {
        screen = this.screen();
        if (predicate(screen)) return screen;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
  }

  /** Ends the session, its server and the server's socket file. */
  kill(): void {
    try {
      const socket = this.format('#{socket_path}');
      this.tmux(['kill-server']);
      rmSync(socket, { force: true });
    } catch {
      // already gone
    }
  }
}
