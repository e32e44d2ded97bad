/**
 * `netscope` in a terminal: probes → store → Ink app on the alternate screen. The probes load
 * before the screen switches, so their errors print as ordinary one-line errors; the terminal
 * is restored and the probes released on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash).
 * With `--replay FILE` the store plays the recording instead (read, and refused, before the
 * screen switches too).
 */
import { Capture } from './capture.js';
import { modelOptionsOf } from './live-capture-run.js';
import { attachObservers } from './capture-observers.js';
import { openCaptureSource } from './open-source.js';
import type { CliOptions } from './cli-options.js';
import { readHostInfo } from '../probes/host-info.js';
import { readRecording } from '../recording/read-recording.js';
import { readBaseline } from './baseline-file.js';
import { BaselineTracker } from './baseline-tracker.js';
import { incompleteRecordingNotice } from '../recording/recording-format.js';
import { LiveCaptureStore } from './live-capture-store.js';
import { ReplayCaptureStore } from './replay-capture-store.js';
import { initialUiState } from '../ui/view-model/ui-reducer.js';
import { resolveInkThrottleToItsModule } from './ink-throttle-import.js';

const MAX_FRAMES_PER_SECOND = 15;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runTui(options: CliOptions): Promise<void> {
  // Without colours the selection is still shown inverse, which needs chalk at its basic level
  // (--no-color on the command line would otherwise make chalk drop every style). chalk reads
  // FORCE_COLOR once, when Ink first loads — hence the late import.
  if (options.noColor) process.env.FORCE_COLOR = '1';
  resolveInkThrottleToItsModule();
  const [{ render }, { App }] = await Promise.all([import('ink'), import('../ui/app.js')]);
  // Lines about the recording that come while the screen is up show in its footer, and again on
  // stderr once it is gone, where they stay above the prompt.
  const laterLines: string[] = [];
  // A baseline that cannot be used ends netscope before the probes load or the screen opens.
  const baseline = new BaselineTracker(options.baselinePath === null ? null : await readBaseline(options.baselinePath));
  const store =
    options.replayPath === null ? await openLiveStore(options, laterLines, baseline) : await openReplayStore(options.replayPath, options, baseline);
  const release = () => void store.stop();
  process.once('exit', release);

  const instance = render(
    <App
      store={store}
      colors={!options.noColor}
      initialState={initialUiState({
        intervalMs: options.intervalMs,
        filter: options.filter ?? undefined,
        sort: options.sort ?? undefined,
        pid: options.pid ?? undefined,
        port: options.port ?? undefined,
        container: options.container ?? undefined,
        pod: options.pod ?? undefined,
        replaySpeed: options.replayPath === null ? undefined : options.replaySpeed,
      })}
    />,
    // interactive: the TTY check is ours; Ink's own CI guess must not turn the live view off on a box with CI=true.
    { alternateScreen: true, interactive: true, maxFps: MAX_FRAMES_PER_SECOND, exitOnCtrlC: false },
  );
  const quit = () => instance.unmount();
  for (const signal of STOP_SIGNALS) process.once(signal, quit);
  // The terminal went away (its window closed, tmux killed): nothing is left to draw or restore.
  const terminalGone = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EIO' && error.code !== 'EPIPE') throw error;
    quit();
  };
  process.stdout.on('error', terminalGone);
  try {
    await instance.waitUntilExit();
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, quit);
    process.off('exit', release);
    await store.stop();
    for (const line of laterLines) process.stderr.write(`netscope: ${line}\n`);
  }
}

async function openLiveStore(options: CliOptions, laterLines: string[], baseline: BaselineTracker): Promise<LiveCaptureStore> {
  const host = readHostInfo();
  const capture = new Capture((sink) => openCaptureSource(options, sink), host, modelOptionsOf(options));
  capture.drawsFrames();
  // Printed before the alternate screen: it is still there, above the prompt, after exit. The
  // header says the same while netscope runs.
  if (capture.source.degradedNotice) process.stderr.write(`${capture.source.degradedNotice}\n`);
  let store: LiveCaptureStore | null = null;
  const report = (line: string) => {
    laterLines.push(line);
    store?.showNotice(line);
  };
  let attached;
  try {
    attached = await attachObservers(capture, options, host, report);
  } catch (error) {
    // A --record file that cannot be made ends netscope before the screen: release the probes first.
    await capture.stop();
    throw error;
  }
  store = new LiveCaptureStore(capture, {
    intervalMs: options.intervalMs,
    outputDirectory: options.outputDirectory,
    host,
    writeFlightRecording: attached.writeFlightRecording,
    baseline,
  });
  store.tick();
  return store;
}

/** Reads the recording (a bad one ends netscope here, with its one line) and says first if it is not whole. */
async function openReplayStore(file: string, options: CliOptions, baseline: BaselineTracker): Promise<ReplayCaptureStore> {
  const recording = await readRecording(file, options.replayMaxBytes);
  const notice = incompleteRecordingNotice(recording, file);
  if (notice !== null) process.stderr.write(`netscope: ${notice}\n`);
  return new ReplayCaptureStore(recording, {
    modelOptions: modelOptionsOf(options),
    outputDirectory: options.outputDirectory,
    speed: options.replaySpeed,
    baseline,
  });
}
