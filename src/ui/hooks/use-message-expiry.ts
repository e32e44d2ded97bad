/** Clears the footer's transient message a few seconds after it appears. */
import { useEffect } from 'react';
import type { UiState } from '../view-model/ui-state.js';

/** How long a message (saved path, error) stays in the footer, ms. */
export const MESSAGE_LIFETIME_MS = 5000;

/** Calls `clear` once `message` has been shown for MESSAGE_LIFETIME_MS; a newer message restarts the wait. */
export function useMessageExpiry(message: UiState['message'], clear: () => void): void {
  useEffect(() => {
    if (message === null) return;
    const timer = setTimeout(clear, MESSAGE_LIFETIME_MS);
    return () => clearTimeout(timer);
  }, [message, clear]);
}
