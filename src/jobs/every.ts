import type { Logger } from '../observability/logger.js';

// The process's periodic in-memory work (not queue jobs: nothing to share between
// processes), started by the composition root and stopped at shutdown. Timers live here
// and in the queue workers only.

/**
 * Runs `task` every `ms` (never two at once); a failure is logged and the next run comes
 * as usual. Returns the function that stops it.
 */
export function every(ms: number, what: string, task: () => Promise<void>, logger: Pick<Logger, 'warn'>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error: unknown) => logger.warn({ err: error }, `${what} failed; trying again in ${Math.round(ms / 1000)} s`))
      .finally(() => {
        running = false;
      });
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
