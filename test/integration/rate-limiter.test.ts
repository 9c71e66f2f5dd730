import { afterAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { createRedisRateLimiter } from '../../src/zalo/rate-limiter.js';
import { uniqueId, testRedisUrl } from '../helpers/test-env.js';

const redis = createRedisConnection(testRedisUrl, 'producer');
afterAll(() => redis.disconnect());

describe('Zalo rate limiter (Redis, shared by processes)', () => {
  it('lets through at most the per-second share of the per-minute budget, across limiter instances', async () => {
    // A clock that only moves when the limiter waits: no real time passes in this test.
    let now = 1_800_000_000_000;
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      now += ms;
    };
    const keyPrefix = uniqueId('rl');
    const a = createRedisRateLimiter({ redis, keyPrefix, perMinute: 180, now: () => now, sleep });
    const b = createRedisRateLimiter({ redis, keyPrefix, perMinute: 180, now: () => now, sleep });
    const grantedAt: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await (i % 2 ? a : b).acquire();
      grantedAt.push(Math.floor(now / 1000));
    }
    // 180 a minute → 3 a second: seconds 0,0,0,1,1,1,2 from the start.
    const start = grantedAt[0]!;
    expect(grantedAt.map((s) => s - start)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(waits).toHaveLength(2);
  });
});
