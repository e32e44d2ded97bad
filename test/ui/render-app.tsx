/**
 * Renders the App at a pinned size over a fake store, with helpers to press keys and check that a
 * frame fits the terminal.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/app.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../src/ui/view-model/ui-state.js';
import { FakeCaptureStore } from './fake-store.js';

/** Key sequences as a terminal sends them. */
export const keys = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  enter: '\r',
  tab: '\t',
  shiftTab: '\u001B[Z',
  escape: '\u001B',
  backspace: '\u007F',
  ctrlS: '\u0013',
  ctrlC: '\u0003',
  f1: '\u001BOP',
  f6: '\u001B[17~',
  f10: '\u001B[21~',
} as const;

/** Long enough for Ink to render after a write; a bare Esc is held ~20 ms to tell it from a sequence. */
const SETTLE_MS = 20;
const ESCAPE_SETTLE_MS = 40;

export interface RenderedApp {
  store: FakeCaptureStore;
  /** The last frame without colours, or '' once the app has exited. */
  frame(): string;
  /** Writes `sequence` to stdin and waits for the frame it causes. */
  press(sequence: string): Promise<void>;
  /** Writes each character separately, as typing does. */
  type(text: string): Promise<void>;
  unmount(): void;
}

export async function renderApp(options: { width: number; height: number; store?: FakeCaptureStore; initialState?: UiState }): Promise<RenderedApp> {
  const store = options.store ?? new FakeCaptureStore();
  const initialState = options.initialState ?? initialUiState({ intervalMs: 1000 });
  const instance = render(<App store={store} initialState={initialState} size={{ width: options.width, height: options.height }} />);
  await delay(SETTLE_MS);
  const press = async (sequence: string) => {
    instance.stdin.write(sequence);
    await delay(sequence === keys.escape ? ESCAPE_SETTLE_MS : SETTLE_MS);
  };
  return {
    store,
    frame: () => stripVTControlCharacters(instance.lastFrame() ?? ''),
    press,
    type: async (text: string) => {
      for (const character of text) await press(character);
    },
    unmount: () => instance.unmount(),
  };
}

/** Asserts the frame has at most `height` lines and none wider than `width` columns. */
export function assertFits(frame: string, width: number, height: number): void {
  const lines = frame.split('\n');
  assert.ok(lines.length <= height, `${lines.length} lines in a ${height}-row terminal`);
  for (const line of lines) assert.ok([...line].length <= width, `line wider than ${width}: ${JSON.stringify(line)}`);
}

/** The frame's lines that contain `text`. */
export function linesWith(frame: string, text: string): string[] {
  return frame.split('\n').filter((line) => line.includes(text));
}
