/** The signals that end a headless capture (--json, --events, --headless) with its output intact. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Resolves at the first stop signal; after that (or after cancel) a second one kills as usual. */
export function untilSignalled(): { signalled: Promise<void>; cancel: () => void } {
  let finish = () => undefined as void;
  const signalled = new Promise<void>((resolve) => {
    finish = () => {
      for (const signal of STOP_SIGNALS) process.off(signal, finish);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.once(signal, finish);
  });
  return { signalled, cancel: finish };
}
