/**
 * The live view: the capture store's snapshot and the UI state in, one frame out. The model comes
 * in through one external-store subscription, UI state lives in one reducer, every key goes
 * through the keymap, and the selector does all the sorting, filtering and formatting.
 */
import { useCallback, useReducer, useSyncExternalStore } from 'react';
import { Box, useApp } from 'ink';
import type { CaptureStore } from './capture-store.js';
import { Screen } from './components/screen.js';
import { useKeys } from './hooks/use-keys.js';
import { useMessageExpiry } from './hooks/use-message-expiry.js';
import { useSaveSnapshot } from './hooks/use-save-snapshot.js';
import { useScreenSize, type ScreenSize } from './hooks/use-screen-size.js';
import { useStartOnFindings } from './hooks/use-start-on-findings.js';
import { useStoreSync } from './hooks/use-store-sync.js';
import { useWriteFlightRecording } from './hooks/use-write-flight-recording.js';
import type { KeyCommand } from './keymap.js';
import { ColorsContext } from './components/tone-style.js';
import { formatTimeOfDay } from './view-model/format.js';
import { selectScreen } from './view-model/select-screen.js';
import { uiReducer } from './view-model/ui-reducer.js';
import type { UiState } from './view-model/ui-state.js';

type Props = {
  store: CaptureStore;
  /** From the command line: interval, filter, sort, pid, port, container and pod (see initialUiState). */
  initialState: UiState;
  /** Pins the frame size (tests); the terminal's size, following resizes, when absent. */
  size?: ScreenSize;
  /** False under --no-color / NO_COLOR: no colours, but inverse and bold stay. Default true. */
  colors?: boolean;
};

/** The netscope TUI. Render it with Ink on the alternate screen; it exits through useApp(). */
export function App({ store, initialState, size: fixedSize, colors = true }: Props) {
  const input = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [state, dispatch] = useReducer(uiReducer, initialState);
  const size = useScreenSize(fixedSize);
  const screen = selectScreen(input, state, size);
  const { exit } = useApp();
  const save = useSaveSnapshot(store, state, dispatch);
  const writeFlightRecording = useWriteFlightRecording(store, dispatch);
  const clearMessage = useCallback(() => dispatch({ type: 'clearMessage' }), []);

  useStoreSync(store, state);
  useStartOnFindings(screen.findingsShown, state, dispatch);
  useMessageExpiry(state.message, clearMessage);
  useKeys(
    {
      filterEditing: state.filter.editing,
      filterText: state.filter.text,
      navigation: screen.navigation,
      selectedKey: screen.selectedKey,
      selectedFinding: screen.selectedFinding,
      findingsShown: screen.findingsShown,
      helpPageCount: screen.helpPageCount,
      shownColumnIds: screen.shownColumnIds,
    },
    (command: Exclude<KeyCommand, null>) => {
      if (command === 'quit') exit();
      else if (command === 'save') save();
      else if (command === 'writeFlightRecording') writeFlightRecording();
      else if (command === 'markBaseline') {
        const atMs = store.markBaseline();
        dispatch({ type: 'showMessage', text: `baseline marked at ${formatTimeOfDay(atMs)} — B shows what changes from here`, tone: 'info' });
      }
      else {
        // The store moves the replay; the reducer pauses it, so playback does not step on.
        if (command.type === 'stepReplay') store.replay?.step(command.direction);
        dispatch(command);
      }
    },
  );

  return (
    <ColorsContext value={colors}>
      <Box flexDirection="column" width={size.width} height={size.height} overflow="hidden">
        <Screen screen={screen} />
      </Box>
    </ColorsContext>
  );
}
