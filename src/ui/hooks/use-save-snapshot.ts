/** The `s` key: writes the snapshot document and says where, or why not, in the footer. */
import { useCallback } from 'react';
import type { CaptureStore } from '../capture-store.js';
import { NetscopeError } from '../../errors.js';
import { savedScreenText } from '../save-screen-snapshot.js';
import type { UiAction, UiState } from '../view-model/ui-state.js';

/** The footer message for a failed save: the cause, then what to do about it. */
export function saveFailureText(error: unknown): string {
  if (error instanceof NetscopeError) return error.sentence;
  return `cannot save the snapshot: ${error instanceof Error ? error.message : String(error)}`;
}

/** A callback that saves what `state` shows through `store` and dispatches the outcome as a footer message. */
export function useSaveSnapshot(store: CaptureStore, state: UiState, dispatch: (action: UiAction) => void): () => void {
  return useCallback(() => {
    try {
      dispatch({ type: 'showMessage', text: savedScreenText(store.saveSnapshot(state)), tone: 'info' });
    } catch (error) {
      dispatch({ type: 'showMessage', text: saveFailureText(error), tone: 'error' });
    }
  }, [store, state, dispatch]);
}
