// "Now" is handed down, never read: every decision about time (a deadline, an age, a
// stamp in a row) asks a `Clock` that its composition root passes in (src/main.ts, the
// scripts in tools/), so tests inject the instant they mean and pass on any date.

/** The present instant, as the application sees it. */
export type Clock = () => Date;

/**
 * Milliseconds on the process clock, for waits that BullMQ and the Redis rate window
 * measure on that same clock (a delayed job, a one-second window). Never for a decision
 * about the domain: use the `Clock` for those.
 */
export type ProcessClock = () => number;
