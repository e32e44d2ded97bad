/**
 * The `w` key — and SIGUSR1, which asks the same of a netscope in a terminal — writes the flight
 * recorder's last minutes and says where, or why not, in the footer.
 */
import { useCallback, useEffect } from 'react';
import type { CaptureStore } from '../capture-store.js';
import { FlightRecorderUnavailable, flightRecordingFailureText } from '../../recording/flight-dump.js';
import { formatDuration } from '../view-model/format.js';
import type { UiAction } from '../view-model/ui-state.js';

/** A callback that writes through `store` and dispatches the outcome as a footer message; also run on SIGUSR1. */
export function useWriteFlightRecording(store: CaptureStore, dispatch: (action: UiAction) => void): () => void {
  const write = useCallback(() => {
    try {
      const written = store.writeFlightRecording();
      dispatch({ type: 'showMessage', text: `flight recorder: wrote the last ${formatDuration(written.spanMs)} to ${written.path}`, tone: 'info' });
    } catch (error) {
      dispatch({ type: 'showMessage', text: flightRecordingFailureText(error), tone: error instanceof FlightRecorderUnavailable ? 'info' : 'error' });
    }
  }, [store, dispatch]);
  // Without a listener SIGUSR1 would end netscope (its default action), screen and all.
  useEffect(() => {
    process.on('SIGUSR1', write);
    return () => {
      process.off('SIGUSR1', write);
    };
  }, [write]);
  return write;
}
