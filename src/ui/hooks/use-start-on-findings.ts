/** The view goes to Findings once one is open, unless the user has already picked a pane. */
import { useEffect } from 'react';
import type { Finding } from '../../findings/finding.js';
import type { UiAction, UiState } from '../view-model/ui-state.js';

/**
 * Dispatches `startOnFindings` when a finding is open while the user has not yet picked a pane:
 * the answer, not the traffic, is what the first look at netscope should show. The reducer does it
 * once (it marks the pane chosen), so the view never moves under someone already at work.
 */
export function useStartOnFindings(findings: readonly Finding[], state: UiState, dispatch: (action: UiAction) => void): void {
  const anyOpen = findings.some((finding) => finding.state === 'open');
  useEffect(() => {
    if (anyOpen && !state.paneChosen) dispatch({ type: 'startOnFindings' });
  }, [anyOpen, state.paneChosen, dispatch]);
}
