import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Deletes or extends the lock only while this holder still owns it.
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const extendScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLock {
  /** Pushes the expiry out again; false if the lock was lost (expired and taken). */
  extend(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * A lock shared by every process, or undefined if someone else holds it. It expires by
 * itself after `ttlMs`, so a holder that dies never blocks the others for longer.
 */
export async function tryAcquireRedisLock(redis: Redis, key: string, ttlMs: number): Promise<RedisLock | undefined> {
  const owner = randomUUID();
  if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
  return {
    async extend() {
      return (await redis.eval(extendScript, 1, key, owner, String(ttlMs))) === 1;
    },
    async release() {
      await redis.eval(releaseScript, 1, key, owner);
    },
  };
}
