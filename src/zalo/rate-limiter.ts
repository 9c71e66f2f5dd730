import type { Redis } from 'ioredis';
import type { ProcessClock } from '../calendar/clock.js';

export interface RateLimiter {
  /** Resolves when one more request to Zalo may go out, counting every process. */
  acquire(): Promise<void>;
}

/**
 * A fixed one-second window in Redis shared by all processes: Zalo counts requests per
 * app, not per process. The per-minute budget is spread over seconds to avoid bursts.
 */
export function createRedisRateLimiter(options: {
  redis: Redis;
  keyPrefix: string;
  perMinute: number;
  /** the process clock: windows are counted on it, as Redis expires keys on it */
  now: ProcessClock;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  const perSecond = Math.max(1, Math.floor(options.perMinute / 60));
  const now = options.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async acquire() {
      for (;;) {
        const t = now();
        const second = Math.floor(t / 1000);
        const key = `${options.keyPrefix}:zalo:rate:${second}`;
        const [[, count]] = (await options.redis.multi().incr(key).pexpire(key, 2000).exec()) as [[null, number]];
        if (count <= perSecond) return;
        await sleep(1000 - (t % 1000) + Math.floor(Math.random() * 20));
      }
    },
  };
}
