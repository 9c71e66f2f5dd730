import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { projectRoot } from '../config/project-root.js';
import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import type { SqlPool } from '../db/sql-pool.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createConsoleRouter, type ConsoleDeps } from '../console/console-router.js';
import { withTimeout } from './with-timeout.js';
import { createAdminApiRouter, type AdminApiDeps } from './admin-api.js';
import { HttpError, toHttpError } from './http-error.js';
import { createInboundRecorder } from './inbound-recorder.js';
import { createPacketLinkRouter, type PacketLinkDeps } from './packet-links.js';
import { createZaloWebhookRouter, type WebhookDeps } from './zalo-webhook.js';

export interface AppDeps {
  db: Database;
  /** the webhook's hot write (see src/db/sql-pool.ts) */
  sql: SqlPool;
  redis: Redis;
  logger: Logger;
  metrics: Metrics;
  webhook: Omit<WebhookDeps, 'recorder' | 'metrics'> & { enqueueInboundEvents: (ids: bigint[]) => Promise<void> };
  /** The officials' JSON API at /admin/v1; not served when absent. */
  admin?: Omit<AdminApiDeps, 'db' | 'logger'>;
  /** Serves packets behind signed links (`GET /packets/:token`). */
  packetLinks?: Omit<PacketLinkDeps, 'db' | 'logger'>;
  /** The officials' console at /console, signed in through the OA; not served when absent. */
  console?: Omit<ConsoleDeps, 'db' | 'logger'>;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return withTimeout(check(), timeoutMs).then(
    () => true,
    () => false,
  );
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    // The request's logger is made on first use: most webhook requests never log.
    let log: Logger | undefined;
    const requestLog = () => (log ??= deps.logger.child({ requestId }));
    Object.defineProperty(req, 'log', { get: requestLog, configurable: true });
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ?? 'unmatched';
      deps.metrics.httpDuration.observe({ route, status: String(res.statusCode) }, seconds);
      // Every accepted webhook is already a row in inbound_event; its access line is debug,
      // or at Zalo's peak rate it would be most of the process's work. Anything else is info.
      const level = route === '/webhooks/zalo' && res.statusCode < 300 ? 'debug' : 'info';
      if (deps.logger.isLevelEnabled(level)) requestLog()[level]({ method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([probe(() => deps.db.$queryRaw`SELECT 1`, 1000), probe(() => deps.redis.ping(), 1000)]);
    res.status(database && redis ? 200 : 503).json({ status: database && redis ? 'ready' : 'unavailable', database, redis });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const recorder = createInboundRecorder({ sql: deps.sql, logger: deps.logger, enqueueInboundEvents: deps.webhook.enqueueInboundEvents, now: deps.webhook.now });
  app.use(createZaloWebhookRouter({ ...deps.webhook, recorder, metrics: deps.metrics }));
  // Images the bot's messages point at (Zalo fetches them by URL).
  app.use('/assets', express.static(join(projectRoot(), 'assets'), { fallthrough: false, index: false, maxAge: '1d' }));
  if (deps.packetLinks) app.use(createPacketLinkRouter({ ...deps.packetLinks, db: deps.db, logger: deps.logger }));
  if (deps.admin) app.use('/admin/v1', createAdminApiRouter({ ...deps.admin, db: deps.db, logger: deps.logger }));
  if (deps.console) app.use('/console', createConsoleRouter({ ...deps.console, db: deps.db, logger: deps.logger }));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  // Last: never leaks a stack, a token or a body.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const httpError = toHttpError(error);
    const log = (req as Request & { log?: Logger }).log ?? deps.logger;
    if (httpError.code === 'internal') log.error({ err: error }, 'request failed');
    // A parser's or the router's refusal is the caller's mistake: one line, no stack, no input.
    else if (!(error instanceof HttpError)) log.warn({ status: httpError.status, reason: httpError.message }, 'request refused');
    if (httpError.code === 'payload_too_large') deps.metrics.webhookRejected.inc({ reason: 'too_large' });
    if (!res.headersSent) res.status(httpError.status).json({ error: httpError.code, message: httpError.message, ...(httpError.issues ? { issues: httpError.issues } : {}) });
  });

  return app;
}
