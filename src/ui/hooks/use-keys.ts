/**
 * Feeds every key press to the keymap: Ink's useInput for ordinary keys, plus the raw stdin
 * stream for the function keys useInput cannot tell apart.
 */
import { useEffect, useEffectEvent, useLayoutEffect, useRef } from 'react';
import { useInput, useStdin } from 'ink';
import { commandForFunctionKey, commandForKey, contextAfter, functionKeysIn, keysInChunk, type KeyCommand, type KeyContext } from '../keymap.js';

/** Calls `onCommand` with what each key press asks for, read against the latest `context`. */
export function useKeys(context: KeyContext, onCommand: (command: Exclude<KeyCommand, null>) => void): void {
  // Without raw mode (stdin not a TTY) an active useInput throws; there are no keys to read then.
  const { stdin, isRawModeSupported } = useStdin();
  const latestContext = useLatestContext(context);

  const run = (command: KeyCommand) => {
    latestContext.current = contextAfter(latestContext.current, command);
    if (command !== null) onCommand(command);
  };

  useInput(
    (input, key) => {
      // Fast typing, a paste or tmux send-keys deliver several characters in one chunk: each is a key.
      for (const [character, pressed] of keysInChunk(input, key)) run(commandForKey(character, pressed, latestContext.current));
    },
    { isActive: isRawModeSupported },
  );

  const onRawData = useEffectEvent((data: string | Buffer) => {
    for (const functionKey of functionKeysIn(String(data))) run(commandForFunctionKey(functionKey, latestContext.current));
  });
  useEffect(() => {
    if (!isRawModeSupported) return;
    // Ink reads stdin with read() from a 'readable' listener; a 'data' listener then sees the
    // same chunks without taking them from Ink.
    const listener = (data: string | Buffer) => onRawData(data);
    stdin.on('data', listener);
    return () => {
      stdin.off('data', listener);
    };
  }, [stdin, isRawModeSupported]);
}

/**
 * A ref that follows `context`, in a function of its own so that no closure of useKeys holds a
 * render's context: Ink's useInput and the stdin listener keep the closures of the render that
 * set them up for as long as the app runs, and through them that render's rows — at 20,000 open
 * connections the first table's 40,000 row keys.
 */
function useLatestContext(context: KeyContext): { current: KeyContext } {
  const latest = useRef(context);
  useLayoutEffect(() => {
    latest.current = context;
  });
  return latest;
}
