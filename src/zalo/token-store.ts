import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Database } from '../db/database.js';
import { tryAcquireRedisLock } from '../redis/redis-lock.js';
import { ZaloAuthError } from './errors.js';

/** The one row of `zalo_token`: one OA per deployment. */
export const tokenRowId = 'oa';

export interface RefreshedPair {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

/** Calls Zalo's OAuth endpoint; resolves only with a complete pair, throws otherwise. */
export type RefreshZaloTokens = (refreshToken: string) => Promise<RefreshedPair>;

export interface ZaloTokenStore {
  /** Stores the environment's pair only if the store is empty; a stored pair always wins. */
  seed(pair: { accessToken: string; refreshToken: string }): Promise<'seeded' | 'kept'>;
  /** The access token to use now, refreshed first if it is about to expire. */
  getAccessToken(): Promise<string>;
  /** Zalo refused `rejectedToken` (-216/-220): renew it unless another process already did. */
  renewRejected(rejectedToken: string): Promise<string>;
  /** Refresh if the stored access token expires within the margin (periodic upkeep). */
  refreshIfDue(): Promise<boolean>;
}

/**
 * Zalo refresh tokens are single-use: two refreshes at once burn the grant and an OA
 * admin must re-consent in a browser. So one refresh at a time across every process
 * (a Redis lock that outlives the OAuth HTTP timeout), the new pair written to Postgres
 * before anyone uses it, and refreshes made well ahead of expiry.
 */
export function createZaloTokenStore(deps: {
  db: Database;
  redis: Redis;
  keyPrefix: string;
  refreshTokens: RefreshZaloTokens;
  httpTimeoutMs: number;
  refreshMarginSeconds: number;
  logger: Logger;
  metrics: Metrics;
  /** the application clock: expiry instants are stored and compared by it */
  now: () => Date;
  pollMs?: number;
}): ZaloTokenStore {
  const now = () => deps.now().getTime();
  const lockKey = `${deps.keyPrefix}:zalo:token-refresh-lock`;
  const lockTtlMs = deps.httpTimeoutMs * 3;
  const pollMs = deps.pollMs ?? 100;
  const log = deps.logger.child({ component: 'zalo-token-store' });

  async function readPair() {
    const row = await deps.db.zaloToken.findUnique({ where: { id: tokenRowId } });
    if (!row) throw new ZaloAuthError('no token pair stored: set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN once');
    return row;
  }

  function isDue(expiresAt: Date | null): boolean {
    return expiresAt !== null && expiresAt.getTime() - now() < deps.refreshMarginSeconds * 1000;
  }

  /**
   * Kept on the row for the console's operations page, across processes and restarts. Only
   * the reasons our OAuth client words itself (ZaloAuthError, never a token) are kept as
   * they are; anything else by its class. The version is left alone: no pair changed.
   */
  async function recordRefreshFailure(error: unknown): Promise<void> {
    const reason = error instanceof ZaloAuthError ? error.message : error instanceof Error ? error.name : 'unknown';
    await deps.db.zaloToken
      .updateMany({ where: { id: tokenRowId }, data: { refreshFailedAt: new Date(now()), refreshError: reason.slice(0, 300) } })
      .catch((failure: unknown) => log.warn({ err: failure }, 'could not record a failed token refresh'));
  }

  async function refreshUnderLock(staleAccessToken: string): Promise<string> {
    // The wait for another holder is counted in polls, not read from the clock: a clock
    // that stands still (or jumps) must neither hang this loop nor cut it short.
    const maxPolls = Math.ceil((lockTtlMs + deps.httpTimeoutMs) / pollMs);
    for (let polls = 0; ; polls += 1) {
      const current = await readPair();
      if (current.accessToken !== staleAccessToken) return current.accessToken;
      const lock = await tryAcquireRedisLock(deps.redis, lockKey, lockTtlMs);
      if (lock) {
        try {
          // Re-read under the lock: the previous holder may have just finished.
          const row = await readPair();
          if (row.accessToken !== staleAccessToken) return row.accessToken;
          const fresh = await deps.refreshTokens(row.refreshToken).catch(async (error: unknown) => {
            deps.metrics.zaloTokenRefresh.inc({ result: 'failed' });
            await recordRefreshFailure(error);
            throw error;
          });
          const saved = await deps.db.zaloToken.updateMany({
            where: { id: tokenRowId, version: row.version },
            data: {
              accessToken: fresh.accessToken,
              refreshToken: fresh.refreshToken,
              accessExpiresAt: new Date(now() + fresh.expiresInSeconds * 1000),
              refreshedAt: new Date(now()),
              version: row.version + 1,
            },
          });
          if (saved.count !== 1) {
            // Only possible if something wrote the row without the lock; the new pair is
            // the only valid one now, so say so loudly rather than lose it silently.
            log.fatal({ version: row.version }, 'token row changed during a locked refresh');
            throw new ZaloAuthError('token row changed during refresh');
          }
          deps.metrics.zaloTokenRefresh.inc({ result: 'ok' });
          log.info({ version: row.version + 1, expiresInSeconds: fresh.expiresInSeconds }, 'zalo token pair refreshed');
          return fresh.accessToken;
        } finally {
          await lock.release();
        }
      }
      if (polls >= maxPolls) throw new ZaloAuthError('timed out waiting for another process to refresh');
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  return {
    async seed(pair) {
      const inserted = await deps.db.zaloToken.createMany({
        data: [{ id: tokenRowId, accessToken: pair.accessToken, refreshToken: pair.refreshToken, accessExpiresAt: null }],
        skipDuplicates: true,
      });
      return inserted.count === 1 ? 'seeded' : 'kept';
    },

    async getAccessToken() {
      const row = await readPair();
      if (!isDue(row.accessExpiresAt)) return row.accessToken;
      try {
        return await refreshUnderLock(row.accessToken);
      } catch (error) {
        // Refreshing early failed; the current token is still valid until it expires.
        if (row.accessExpiresAt && row.accessExpiresAt.getTime() > now()) {
          log.warn({ err: error }, 'early token refresh failed; using the current token');
          return row.accessToken;
        }
        throw error;
      }
    },

    renewRejected(rejectedToken) {
      return refreshUnderLock(rejectedToken);
    },

    async refreshIfDue() {
      const row = await readPair();
      if (!isDue(row.accessExpiresAt)) return false;
      await refreshUnderLock(row.accessToken);
      return true;
    },
  };
}
