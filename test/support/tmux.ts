/** Drives a program in a real terminal: a detached tmux session of a fixed size. */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export class TmuxSession {
  readonly name = `netscope-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(command: string, size: { width: number; height: number }, environment: Record<string, string> = {}) {
    const exports = Object.entries(environment).map(([key, value]) => `export ${key}='${value}'; `).join('');
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', String(size.width), '-y', String(size.height), `${exports}${command}`]);
    execFileSync('tmux', ['set-option', '-t', this.name, 'remain-on-exit', 'on']);
  }

  /** The visible screen, one string per line. */
  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' });
  }

  /** Keys in tmux's send-keys syntax (`q`, `Enter`, `Escape`, `Tab`, `F1`), or literal text. */
  press(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
  }

  /** Is the program still showing the alternate screen (0 once it restored the terminal)? */
  alternateScreenOn(): boolean {
    return this.format('#{alternate_on}') === '1';
  }

  private format(format: string): string {
    return execFileSync('tmux', ['display-message', '-p', '-t', this.name, format], { encoding: 'utf8' }).trim();
  }

  /** Waits until the screen satisfies `predicate`; returns that screen. */
  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.screen();
      if (predicate(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
  }

  kill(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
