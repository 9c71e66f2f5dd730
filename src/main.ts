import { once } from 'node:events';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { projectRoot } from './config/project-root.js';
import { createDatabase } from './db/database.js';
import { createApp } from './http/app.js';
import { loadWorkingCalendar } from './calendar/working-calendar.js';
import { distributeMeeting, meetingLinksValidUntil } from './council/distribute-meeting.js';
import { runMeetingSchedule } from './council/meeting-schedule.js';
import { loadConversation } from './bot/conversation-setup.js';
import { every } from './jobs/every.js';
import { defaultConsoleAuth } from './console/console-auth.js';
import { createDocumentStorage } from './storage/create-document-storage.js';
import { assemblePacket } from './dossier/assemble-packet.js';
import { createLinkIssuer } from './dossier/signed-links.js';
import { createOfficialUploadIntake } from './dossier/store-official-upload.js';
import { createTranslator, loadDictionaries } from './i18n/translator.js';
import { createQueues, createRedisConnection, inboundMaxAttempts } from './jobs/queues.js';
import { startWorkers, type Workers } from './jobs/workers.js';
import { checkTiming, type NotifyTiming } from './notify/timing.js';
import { planUploadQuotaWarning } from './notify/upload-quota-warnings.js';
import { planHeldRepliesNotice } from './notify/held-replies-notice.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ProcessClock } from './calendar/clock.js';
import { createSqlPool, type SqlPool } from './db/sql-pool.js';
import { createRedisRateLimiter } from './zalo/rate-limiter.js';
import { createZaloTokenStore } from './zalo/token-store.js';
import { createZaloClient, createZaloTokenRefresher } from './zalo/zalo-client.js';

export interface RunningBot {
  /** The web role's address, when it runs. */
  url: string | undefined;
  /** Graceful stop: intake first, then in-flight jobs, then connections. */
  close(): Promise<void>;
  /** This process's counters (also served at /metrics by the web role). */
  metrics: Metrics;
}

/** The composition root: config → logger → database → redis → zalo → services, passed down. */
export async function startBot(config: Config, options: { logger?: Logger; localesDir?: string; now?: () => Date } = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const dictionaries = loadDictionaries(options.localesDir ?? join(projectRoot(), 'locales'));
  const translate = createTranslator(dictionaries);
  const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize });
  // Flows and rule sets are checked before anything listens: a broken file stops the start.
  const conversation = await loadConversation({ root: projectRoot(), dictionaries, translate, db, publicBaseUrl: config.publicBaseUrl, scoringSheets: { dir: config.scoringSheetsDir, production: config.env === 'production' } });
  // The commune directory is read again every 10 minutes: an import reaches this process without a restart.
  const stopCommuneRefresh = every(10 * 60_000, 'commune directory refresh', conversation.refreshCommunes, logger);
  const redis = createRedisConnection(config.redisUrl, 'producer');
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const queues = createQueues({
    connection: redis,
    prefix: config.queuePrefix,
    outboundBackoffMs: config.queues.outboundBackoffMs,
    outboundMaxAttempts: config.queues.outboundMaxAttempts,
  });
  // One clock for every date the service decides on (tests move it).
  // The composition root is the one place that reads the machine's clock.
  const now = options.now ?? (() => new Date());
  const processClock: ProcessClock = () => Date.now();
  const storage = createDocumentStorage(config.storage);
  const notifyTiming: NotifyTiming = { calendar: conversation.calendar, quietStart: config.notify.quietStart, quietEnd: config.notify.quietEnd, routineTime: conversation.notifyRules.routineTime };
  checkTiming(notifyTiming);

  const tokens = createZaloTokenStore({
    db,
    redis,
    keyPrefix: config.queuePrefix,
    refreshTokens: createZaloTokenRefresher({ oauthUrl: config.zalo.oauthUrl, appId: config.zalo.appId, appSecret: config.zalo.appSecret, timeoutMs: config.zalo.httpTimeoutMs }),
    httpTimeoutMs: config.zalo.httpTimeoutMs,
    refreshMarginSeconds: config.zalo.tokenRefreshMarginSeconds,
    logger,
    metrics,
    now,
  });
  if (config.zalo.seedTokens) {
    const outcome = await tokens.seed(config.zalo.seedTokens);
    logger.info({ outcome }, outcome === 'seeded' ? 'token pair seeded from the environment' : 'token store already holds a pair; environment tokens ignored');
  }

  // Packets are built once per dossier version and reached only through signed links.
  const packets = {
    assemble: (ideaId: bigint, actor: string) => assemblePacket({ db, storage, translate, checklists: conversation.setup.checklists, ruleSets: conversation.setup.ruleSets, now }, ideaId, actor),
    linkFor: createLinkIssuer({ secret: config.links.secret, ttlHours: config.links.packetTtlHours, baseUrl: config.publicBaseUrl, now }),
  };

  let server: Server | undefined;
  let url: string | undefined;
  let sql: SqlPool | undefined;
  let turnSql: SqlPool | undefined;
  if (config.role === 'web' || config.role === 'all') {
    // The recorder writes at most four statements at once.
    sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
    const app = createApp({
      db,
      sql,
      redis,
      logger,
      metrics,
      webhook: {
        appId: config.zalo.appId,
        secret: config.zalo.webhookSecret,
        maxAgeSeconds: config.webhook.maxAgeSeconds,
        maxFutureSkewSeconds: config.webhook.maxFutureSkewSeconds,
        enqueueInboundEvents: queues.enqueueInboundEvents,
        now,
      },
      admin: {
        translate,
        now,
        invitationTtlHours: config.officials.invitationTtlHours,
        notifyTiming,
        ruleSets: conversation.setup.ruleSets,
        enqueueOutbound: queues.enqueueOutboundMessages,
        checklists: conversation.setup.checklists,
        ethnicGroups: conversation.setup.ethnicGroups,
        dossierIntake: createOfficialUploadIntake(storage, now),
        meetings: {
          calendar: conversation.calendar,
          settingsFor: conversation.provinceSettings,
        },
        packets,
        distribute: (meetingId) => distributeMeeting({ db, translate, now, ...packets, fallbackTemplates: config.fallbackTemplates, monthlyUploadQuota: config.monthlyUploadQuota }, meetingId),
      },
      packetLinks: { storage, secret: config.links.secret, now },
      console: {
        translate,
        now,
        auth: defaultConsoleAuth,
        // Browsers keep Secure cookies over HTTPS only; a local run is served over plain HTTP.
        secureCookies: config.publicBaseUrl.startsWith('https://'),
        checklists: conversation.setup.checklists,
        calendar: conversation.calendar,
        checkWorkingDays: conversation.notifyRules.dossierCheckWorkingDays,
        settingsFor: conversation.provinceSettings,
        enqueueOutbound: queues.enqueueOutboundMessages,
        storage,
        uploads: createOfficialUploadIntake(storage, now),
        invitationTtlHours: config.officials.invitationTtlHours,
        ...(config.zalo.oaChatUrl ? { oaChatUrl: config.zalo.oaChatUrl } : {}),
        assemblePacket: packets.assemble,
        ruleSets: conversation.setup.ruleSets,
        meetings: { calendar: conversation.calendar, settingsFor: conversation.provinceSettings },
        distribute: (meetingId) => distributeMeeting({ db, translate, now, ...packets, fallbackTemplates: config.fallbackTemplates, monthlyUploadQuota: config.monthlyUploadQuota }, meetingId),
        notifyTiming,
        // The operations page's dashboard: every queue of this deployment.
        queues: [queues.inbound, queues.outbound, queues.documents, queues.notifications, queues.maintenance],
        monthlyUploadQuota: config.monthlyUploadQuota,
        scoring: {
          rules: { ruleSets: conversation.setup.ruleSets, settingsFor: conversation.provinceSettings, sheets: conversation.scoringSheets },
          linkSecret: config.links.secret,
          publicBaseUrl: config.publicBaseUrl,
        },
      },
    });
    server = app.listen(config.port, '0.0.0.0');
    await once(server, 'listening');
    const address = server.address();
    url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : undefined;
    logger.info({ url, role: config.role }, 'web role listening');
  }

  let workers: Workers | undefined;
  let workerRedis: ReturnType<typeof createRedisConnection> | undefined;
  if (config.role === 'worker' || config.role === 'all') {
    workerRedis = createRedisConnection(config.redisUrl, 'worker');
    workerRedis.on('error', (error) => logger.warn({ err: error }, 'redis worker connection error'));
    const zalo = createZaloClient({
      oaApiUrl: config.zalo.oaApiUrl,
      businessApiUrl: config.zalo.businessApiUrl,
      timeoutMs: config.zalo.httpTimeoutMs,
      tokens,
      limiter: createRedisRateLimiter({ redis, keyPrefix: config.queuePrefix, perMinute: config.zalo.rateLimitPerMinute, now: processClock }),
    });
    // Conversation turns on plain `pg`: a connection per inbound job running at once.
    turnSql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: config.queues.inboundConcurrency });
    workers = await startWorkers({
      settings: { connection: workerRedis, prefix: config.queuePrefix, ...config.queues, processClock },
      queues,
      inbound: {
        db,
        translate,
        logger,
        metrics,
        maxAttempts: inboundMaxAttempts,
        now,
        conversation: conversation.setup,
        actions: conversation.actions,
        loadFacts: conversation.loadFacts,
        resumeAfterMs: config.conversation.resumePromptAfterHours * 3600_000,
        enqueueDocumentIntake: queues.enqueueDocumentIntake,
        sql: turnSql,
      },
      intake: { db, storage, translate, logger, now, download: config.documents },
      notify: {
        dispatch: {
          db,
          translate,
          logger,
          now,
          timing: notifyTiming,
          checklists: conversation.setup.checklists,
          templates: config.notify.templates,
          onUntold: () => metrics.notificationsUntold.inc(),
          packetLink: (packetId, recipient, meetingDate) => packets.linkFor('packet', packetId, recipient, meetingLinksValidUntil(meetingDate)).url,
        },
        plan: { db, translate, logger, now, timing: notifyTiming, rules: conversation.notifyRules, ruleSets: conversation.setup.ruleSets, checklists: conversation.setup.checklists, settingsFor: conversation.provinceSettings },
        planIntervalMs: config.notify.planIntervalMs,
      },
      meetingSchedule: () => runMeetingSchedule({ db, translate, logger, now, ...packets, fallbackTemplates: config.fallbackTemplates, monthlyUploadQuota: config.monthlyUploadQuota, distributeBeforeDeadlineMs: config.distributeBeforeDeadlineMs }),
      outbound: {
        db,
        redis,
        zalo,
        logger,
        metrics,
        keyPrefix: config.queuePrefix,
        maxAttempts: config.queues.outboundMaxAttempts,
        recipientLockMs: config.zalo.httpTimeoutMs * 3,
        now,
        storage,
        inDoubt: config.queues.inDoubt,
        onHeld: (tx, held, at) => planHeldRepliesNotice(tx, notifyTiming, held, at),
        uploadQuota: { monthly: config.monthlyUploadQuota, warn: (tx, percent, usage, at) => planUploadQuotaWarning(tx, notifyTiming, percent, usage, at) },
      },
      tokens,
      logger,
    });
    logger.info({ role: config.role }, 'worker role started');
  }

  return {
    url,
    metrics,
    async close() {
      if (server) {
        const closed = once(server, 'close');
        server.close();
        server.closeIdleConnections();
        await closed;
      }
      await workers?.close();
      stopCommuneRefresh();
      await queues.close();
      await Promise.allSettled([redis.quit(), workerRedis?.quit()]);
      await db.$disconnect();
      await sql?.end();
      await turnSql?.end();
      logger.info('stopped');
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const bot = await startBot(config, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    bot.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
