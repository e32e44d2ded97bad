/** The view goes to Findings once one is open, unless the user has already picked a pane. */
import { useEffect } from 'react';
import type { UiAction, UiState } from '../view-model/ui-state.js';

/**
 * Dispatches `startOnFindings` once the tab line shows Findings (an open finding passes the
 * view's filter and scope) while the user has not yet picked a pane: the answer, not the traffic,
 * is what the first look at netscope should show. The reducer does it once (it marks the pane
 * chosen), so the view never moves under someone already at work.
 */
export function useStartOnFindings(findingsShown: boolean, state: UiState, dispatch: (action: UiAction) => void): void {
  useEffect(() => {
    if (findingsShown && !state.paneChosen) dispatch({ type: 'startOnFindings' });
  }, [findingsShown, state.paneChosen, dispatch]);
}
