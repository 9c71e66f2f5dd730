import { afterEach, describe, expect, it, vi } from 'vitest';
import { every } from '../../src/jobs/every.js';

// The process's periodic work: on its interval, never overlapping, a failure logged and
// the next run as usual, stopped for good.

afterEach(() => {
  vi.useRealTimers();
});

describe('every', () => {
  it('runs on its interval, skips a run while the last one is still going, logs failures, and stops', async () => {
    vi.useFakeTimers();
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, message: string) => void warnings.push(message) };
    let runs = 0;
    let release: () => void = () => undefined;
    const stop = every(1000, 'refresh', () => {
      runs += 1;
      if (runs === 1) return new Promise<void>((resolve) => (release = resolve));
      if (runs === 2) return Promise.reject(new Error('database away'));
      return Promise.resolve();
    }, logger as never);
    await vi.advanceTimersByTimeAsync(3000);
    // The first run is still going: the ticks at 2 s and 3 s did not start another.
    expect(runs).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    expect(warnings).toEqual(['refresh failed; trying again in 1 s']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });
});
