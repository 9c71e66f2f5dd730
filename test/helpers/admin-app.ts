import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { projectRoot } from '../../src/config/project-root.js';
import { defaultConsoleAuth } from '../../src/console/console-auth.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { createOfficialUploadIntake } from '../../src/dossier/store-official-upload.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { createApp, type AppDeps } from '../../src/http/app.js';
import type { Database } from '../../src/db/database.js';
import type { NotifyTiming } from '../../src/notify/timing.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { assemblePacket } from '../../src/dossier/assemble-packet.js';
import { signLink } from '../../src/dossier/signed-links.js';
import type { DocumentStorage } from '../../src/storage/storage.js';
import type { Checklist } from '../../src/ocop/dossier-checklist.js';
import type { RuleSet } from '../../src/ocop/rule-sets.js';
import { translate } from './conversation-harness.js';
import { testDatabaseUrl } from './test-env.js';
import { listenOnFreePort } from './listen.js';
import { capturedLogger } from './zalo-harness.js';

/** The working calendar of rules/calendar.yaml with the default quiet hours (21:00–07:00) and routine hour. */
export function testNotifyTiming(): NotifyTiming {
  return { calendar: loadWorkingCalendar(join(projectRoot(), 'rules', 'calendar.yaml')), quietStart: '21:00', quietEnd: '07:00', routineTime: '08:00' };
}

type AdminOptions = Omit<NonNullable<AppDeps['admin']>, 'notifyTiming'> & { notifyTiming?: NotifyTiming };

/** The bot's web app on a free port, with the admin API (and packet links) it is given. */
export async function startAdminApp(options: { db: Database; redis: Redis; now: () => Date; admin: AdminOptions; packetLinks?: AppDeps['packetLinks']; console?: AppDeps['console'] }) {
  const sql = createSqlPool({ databaseUrl: testDatabaseUrl, poolSize: 2 });
  const app = createApp({
    db: options.db,
    sql,
    redis: options.redis,
    logger: capturedLogger().logger,
    metrics: createMetrics(),
    webhook: { appId: 'test-app', secret: 'unused', maxAgeSeconds: 10_800, maxFutureSkewSeconds: 300, enqueueInboundEvents: async () => undefined, now: options.now },
    admin: { ...options.admin, notifyTiming: options.admin.notifyTiming ?? testNotifyTiming() },
    ...(options.packetLinks ? { packetLinks: options.packetLinks } : {}),
    ...(options.console ? { console: options.console } : {}),
  });
  const served = await listenOnFreePort(app);
  return { base: served.base, close: () => served.close().then(() => sql.end()) };
}

/**
 * The admin API that builds packets from `storage` and signs their links with `secret`
 * (valid one hour from `now`), with the packet-link routes that serve them.
 */
export function startPacketAdminApp(options: { db: Database; redis: Redis; storage: DocumentStorage; secret: string; checklists: readonly Checklist[]; ruleSets: readonly RuleSet[]; now: () => Date }) {
  const { db, storage, secret, checklists, ruleSets, now } = options;
  return startAdminApp({
    db,
    redis: options.redis,
    now,
    admin: {
      translate,
      now,
      invitationTtlHours: 24,
      enqueueOutbound: async () => undefined,
      checklists,
      packets: {
        assemble: (id, actor) => assemblePacket({ db, storage, translate, checklists, ruleSets, now }, id, actor),
        linkFor: (kind, id, recipient) => {
          const expiresAt = new Date(now().getTime() + 3600_000);
          return { url: `/${kind}s/${signLink({ kind, id: String(id), to: recipient, exp: Math.floor(expiresAt.getTime() / 1000) }, secret)}`, expiresAt };
        },
      },
    },
    packetLinks: { storage, secret, now },
  });
}

/**
 * The web app with the officials' console (and the admin API beside it), on the
 * project's checklists and calendar, with documents under a temporary folder.
 */
export async function startConsoleApp(options: { db: Database; redis: Redis; now: () => Date; conversation: LoadedConversation; enqueueOutbound?: (ids: bigint[]) => Promise<void>; distribute?: (meetingId: bigint) => Promise<bigint[]>; queues?: readonly Queue[] }) {
  const { now, conversation } = options;
  const storage = createLocalStorage({ root: join(tmpdir(), 'ocop-console-test') });
  const { checklists, ruleSets } = conversation.setup;
  const started = await startAdminApp({
    db: options.db,
    redis: options.redis,
    now,
    admin: { translate, now, invitationTtlHours: 24, enqueueOutbound: async () => undefined },
    console: {
      translate,
      now,
      auth: defaultConsoleAuth,
      secureCookies: false,
      checklists: conversation.setup.checklists,
      calendar: conversation.calendar,
      checkWorkingDays: conversation.notifyRules.dossierCheckWorkingDays,
      settingsFor: conversation.provinceSettings,
      enqueueOutbound: options.enqueueOutbound ?? (async () => undefined),
      storage,
      uploads: createOfficialUploadIntake(storage, now),
      invitationTtlHours: 72,
      oaChatUrl: 'https://zalo.me/1234567890123456789',
      meetings: { calendar: conversation.calendar, settingsFor: conversation.provinceSettings },
      distribute: options.distribute ?? (async () => []),
      ruleSets,
      assemblePacket: (ideaId, actor) => assemblePacket({ db: options.db, storage, translate, checklists, ruleSets, now }, ideaId, actor),
      ...(options.queues ? { queues: options.queues } : {}),
      notifyTiming: testNotifyTiming(),
    },
  });
  return { ...started, storage };
}
