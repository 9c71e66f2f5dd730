// The only reader of the machine's clock. Everything that needs "now" for a decision
// (a deadline, an age, a stamp in a row) is handed a `Clock` by its composition root, so
// tests inject the instant they mean and the suite passes on any date.

/** The present instant, as the application sees it. */
export type Clock = () => Date;

/** The machine's clock: composition roots (src/main.ts, tools/) hand it down as the `Clock`. */
export const systemClock: Clock = () => new Date();

/**
 * Milliseconds on the process clock, for waits that BullMQ and the Redis rate window
 * measure on that same clock (a delayed job, a one-second window). Never for a decision
 * about the domain: use the injected `Clock` for those.
 */
export const processClockMs = (): number => Date.now();
