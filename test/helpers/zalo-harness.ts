import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createRedisRateLimiter } from '../../src/zalo/rate-limiter.js';
import { createZaloTokenStore } from '../../src/zalo/token-store.js';
import { createZaloClient, createZaloTokenRefresher } from '../../src/zalo/zalo-client.js';

/** Captures log output as text, so tests can assert what was (not) written. */
export function capturedLogger(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { logger, lines };
}

/** One "process" worth of Zalo plumbing: its own token store and client over shared Postgres and Redis. */
export function zaloStack(options: { db: Database; redis: Redis; keyPrefix: string; baseUrl: string; appId?: string; appSecret?: string; timeoutMs?: number; perMinute?: number }) {
  const { logger, lines } = capturedLogger();
  const metrics = createMetrics();
  const timeoutMs = options.timeoutMs ?? 2000;
  const tokens = createZaloTokenStore({
    db: options.db,
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    refreshTokens: createZaloTokenRefresher({ oauthUrl: options.baseUrl, appId: options.appId ?? 'test-app', appSecret: options.appSecret ?? 'test-app-secret', timeoutMs }),
    httpTimeoutMs: timeoutMs,
    refreshMarginSeconds: 3600,
    logger,
    metrics,
    // Real time: the stand-in and nock measure token lifetimes on the process clock.
    now: () => new Date(),
    pollMs: 20,
  });
  const client = createZaloClient({
    oaApiUrl: options.baseUrl,
    businessApiUrl: options.baseUrl,
    timeoutMs,
    tokens,
    limiter: createRedisRateLimiter({ redis: options.redis, keyPrefix: options.keyPrefix, perMinute: options.perMinute ?? 4000, now: () => Date.now() }),
  });
  return { client, tokens, metrics, logLines: lines };
}
