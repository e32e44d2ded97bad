/** Keeps the capture store doing what the UI state says: paused, tick interval, detail page, replay speed. */
import { useEffect } from 'react';
import type { CaptureStore } from '../capture-store.js';
import type { UiState } from '../view-model/ui-state.js';

/** Tells `store` whenever the pause, the interval, the connection on the detail page or the replay speed changes. */
export function useStoreSync(store: CaptureStore, state: UiState): void {
  const detailConnectionId = state.view.kind === 'detail' ? state.view.connectionId : null;

  useEffect(() => store.setPaused(state.paused), [store, state.paused]);
  useEffect(() => store.setIntervalMs(state.intervalMs), [store, state.intervalMs]);
  useEffect(() => store.setDetailConnection(detailConnectionId), [store, detailConnectionId]);
  useEffect(() => {
    if (state.replaySpeed !== null) store.replay?.setSpeed(state.replaySpeed);
  }, [store, state.replaySpeed]);
}
