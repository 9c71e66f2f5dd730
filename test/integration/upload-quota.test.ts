import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { deliverOutboundMessage, type OutboundDeps } from '../../src/outbound/deliver-outbound.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { readUploadUsage } from '../../src/outbound/upload-quota.js';
import { planUploadQuotaWarning } from '../../src/notify/upload-quota-warnings.js';
import { kindOf } from '../../src/notify/notification-kinds.js';
import { join } from 'node:path';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { projectRoot } from '../../src/config/project-root.js';
import { createTranslator, loadDictionaries } from '../../src/i18n/translator.js';
import type { NotifyTiming } from '../../src/notify/timing.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { simCredentials } from '../helpers/bot-with-sim.js';
import { capturedLogger, zaloStack } from '../helpers/zalo-harness.js';
import { resetDatabase, testConfig, uniqueId } from '../helpers/test-env.js';

// Zalo caps the files an OA uploads in a month. The count lives in Postgres, so a restarted
// worker goes on from it; the administrators are warned once at 80 % and once at 95 %.

const config = testConfig();
const redis = createRedisConnection(config.redisUrl, 'producer');
// A fixed day late in a Vietnam month: 23:30 on 31 March in Vietnam is still March.
const clock = { now: new Date('2027-03-31T16:30:00Z') };
const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'acc-1', refreshToken: 'ref-1' }, clock: { now: () => clock.now.getTime() } });
let simServer: ZaloSimServer;
const storage = createLocalStorage({ root: config.storage.kind === 'local' ? config.storage.root : '' });
const calendar = loadWorkingCalendar(join(projectRoot(), 'rules', 'calendar.yaml'));
const timing: NotifyTiming = { calendar, quietStart: '22:00', quietEnd: '06:00', routineTime: '08:00' };
const translate = createTranslator(loadDictionaries(join(projectRoot(), 'locales')));
const databases: Database[] = [];
const quota = 5;

/** A worker as it starts: its own database client and metrics, nothing kept in memory from before. */
function startWorker(): OutboundDeps {
  const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 3 });
  databases.push(db);
  const { client, metrics } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: simServer.url, appId: simCredentials.appId, appSecret: simCredentials.appSecret, timeoutMs: 2000 });
  return {
    db, redis, zalo: client, logger: capturedLogger().logger, metrics, keyPrefix: config.queuePrefix, maxAttempts: 3, recipientLockMs: 5000, now: () => clock.now, storage,
    uploadQuota: { monthly: quota, warn: (tx, percent, usage, at) => planUploadQuotaWarning(tx, timing, percent, usage, at) },
  };
}

/** Sends one newly stored PDF (a fresh file, so a fresh upload) to a new follower. */
async function sendNewFile(deps: OutboundDeps): Promise<void> {
  const recipient = uniqueId('member');
  await sim.userFollow(recipient);
  const bytes = Buffer.from(`%PDF-1.4 hồ sơ ${recipient}`);
  const storageKey = newStorageKey('packet', 'pdf', clock.now);
  await storage.put(storageKey, Readable.from([bytes]), { contentType: 'application/pdf', sizeBytes: bytes.length });
  const [id] = await deps.db.$transaction((tx) => addToOutbox(tx, [{ idempotencyKey: uniqueId('k'), recipient, message: { kind: 'file', storageKey, fileName: 'ho-so.pdf', mediaType: 'application/pdf' } }], clock.now));
  await deliverOutboundMessage(deps, id!);
  expect((await deps.db.outboundMessage.findUniqueOrThrow({ where: { id: id! } })).status).toBe('sent');
}

const warnings = (db: Database) => db.notification.findMany({ where: { kind: 'uploadQuota' }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  simServer = await sim.listen();
  const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 2 });
  databases.push(db);
  await resetDatabase(db);
  await db.zaloToken.create({ data: { id: 'oa', accessToken: 'acc-1', refreshToken: 'ref-1', accessExpiresAt: null } });
  await db.official.createMany({
    data: [
      { name: 'Quản trị tỉnh', role: 'province', provinceCode: '01', administrator: true, zaloUserId: uniqueId('admin') },
      { name: 'Cán bộ tỉnh', role: 'province', provinceCode: '01', zaloUserId: uniqueId('official') },
    ],
  });
});

afterAll(async () => {
  await simServer.close();
  redis.disconnect();
  for (const db of databases) await db.$disconnect();
});

describe('the monthly Zalo upload quota', () => {
  it('is counted in Postgres across a restart, warns the administrators once at 80 % and once at 95 %, and shows what is left', async () => {
    const first = startWorker();
    for (let i = 0; i < 3; i += 1) await sendNewFile(first);
    expect(await warnings(first.db)).toEqual([]);
    await sendNewFile(first);
    const at80 = await warnings(first.db);
    expect(at80.map((n) => n.key)).toEqual([expect.stringMatching(/^uploadQuota:2027-03:80:official:\d+$/)]);
    expect(await first.metrics.registry.getSingleMetricAsString('ocop_zalo_upload_quota_remaining')).toMatch(/^ocop_zalo_upload_quota_remaining 1$/m);

    // The worker restarts: the count goes on from Postgres, not from zero.
    const second = startWorker();
    await sendNewFile(second);
    expect(await readUploadUsage(second.db, quota, clock.now)).toMatchObject({ month: '2027-03', uploads: 5, remaining: 0, exhausted: true });
    expect(await second.metrics.registry.getSingleMetricAsString('ocop_zalo_upload_quota_remaining')).toMatch(/^ocop_zalo_upload_quota_remaining 0$/m);
    // Past 95 % and beyond the quota, neither warning goes again.
    await sendNewFile(second);
    const all = await warnings(second.db);
    expect(all.map((n) => n.key.replace(/\d+$/, 'N'))).toEqual(['uploadQuota:2027-03:80:official:N', 'uploadQuota:2027-03:95:official:N']);
    const admin = await second.db.official.findFirstOrThrow({ where: { administrator: true } });
    expect(all.every((n) => n.recipientId === admin.id && n.recipientKind === 'official')).toBe(true);
  });

  it('starts again with the next Vietnam month', async () => {
    const deps = startWorker();
    // 00:30 on 1 April in Vietnam is still 31 March in UTC.
    clock.now = new Date('2027-03-31T17:30:00Z');
    expect(await readUploadUsage(deps.db, quota, clock.now)).toMatchObject({ month: '2027-04', uploads: 0, remaining: 5, exhausted: false });
  });

  it('tells the administrator in words, in Vietnamese and in English', async () => {
    const db = databases[0]!;
    const [warning] = await warnings(db);
    const read = (locale: 'vi' | 'en') => kindOf('uploadQuota').read({ tx: db, locale, translate, now: clock.now, calendar, checklists: [] }, warning!);
    expect(await read('vi')).toEqual({ state: 'open', text: 'Tháng 03/2027 đã dùng 80% hạn mức gửi tệp qua Zalo (4/5 tệp). Khi hết hạn mức, hồ sơ sẽ được gửi bằng đường liên kết thay cho tệp. Xin xem lại gói dịch vụ của OA.' });
    expect(await read('en')).toEqual({ state: 'open', text: "80% of the Zalo file upload quota for 03/2027 is used (4/5 files). Once it runs out, dossiers are sent as links instead of files. Please review the OA's package." });
  });
});
