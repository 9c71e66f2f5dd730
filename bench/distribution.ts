import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createApiToken } from '../src/admin/api-tokens.js';
import { createDatabase } from '../src/db/database.js';
import { createLocalStorage } from '../src/storage/local-storage.js';
import { newStorageKey } from '../src/storage/storage.js';
import { seedDatabase } from '../prisma/seed.js';
import { makePdf } from '../test/helpers/make-documents.js';
import { createZaloSim } from '../tools/zalo-sim/zalo-sim.js';
import { benchDatabaseUrl, benchStorageDir, botEnv, resetBenchState, startProcess } from './bench-env.js';

/** Resident memory of a process, from /proc (Linux). */
async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/**
 * A meeting of `products` products for a council of 11 linked people, distributed through
 * the stand-in with the bot (web + worker) in its own process under Zalo's rate limit:
 * time from locking the meeting until every message is sent (its packets built ahead by the
 * sweep, as for any meeting scheduled before its lock), and the bot's peak memory.
 */
export async function benchDistribution(options: { products: number; rateLimitPerMinute: number }) {
  await resetBenchState();
  const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: 4 });
  await seedDatabase(db);
  const storage = createLocalStorage({ root: benchStorageDir });
  const producer = await db.producer.create({ data: { zaloUserId: 'bench-producer', kind: 'cooperative', name: 'HTX Tân Phú', representative: 'A', position: 'B', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' } });
  const ideaIds: string[] = [];
  for (let i = 1; i <= options.products; i += 1) {
    const idea = await db.productIdea.create({
      data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: i, receiptNumber: `${i}/PĐK-75-26116-2026`, ruleSet: 'qd-26-2026', productName: `Sản phẩm ${i}`, sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: new Date() },
    });
    const dossier = await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier', status: 'checked' } });
    const bytes = await makePdf({ pages: 3, label: `Form 01 - ${i}` });
    const key = newStorageKey('document', 'pdf', new Date());
    await storage.put(key, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
    await db.dossierDocument.create({ data: { dossierId: dossier.id, itemCode: 'form01', position: 1, status: 'stored', uploadedBy: 'bench-producer', mediaType: 'application/pdf', printable: true, sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), storageKey: key, createdAt: new Date() } });
    ideaIds.push(String(idea.id));
  }
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh', level: 'province', provinceCode: '75', year: 2026, createdBy: 'bench' } });
  const people = Array.from({ length: 11 }, (_, i) => `bench-member-${i + 1}`);
  for (const [i, zaloUserId] of people.entries()) {
    await db.zaloUser.create({ data: { id: zaloUserId, locale: 'vi', following: true, lastInteractionAt: new Date() } });
    const person = await db.councilPerson.create({ data: { name: `Thành viên ${i + 1}`, provinceCode: '75', zaloUserId } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role: i === 0 ? 'chair' : i === 10 ? 'secretary' : 'member' } });
  }
  // A meeting far enough ahead for any lead time.
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2099-12-30', time: '08:00', place: 'Sở', leadWorkingDays: 1, deliveryDeadline: new Date('2099-12-29T00:30:00Z'), createdBy: 'bench' } });
  await db.meetingProduct.createMany({ data: ideaIds.map((id) => ({ meetingId: meeting.id, productIdeaId: BigInt(id) })) });
  const { token } = await createApiToken(db, { name: 'Sở NN&MT', role: 'province', provinceCode: '75' });

  const sim = createZaloSim({ appId: 'bench-app', oaSecretKey: 'bench-oa-secret', appSecret: 'bench-app-secret', initialTokens: { accessToken: 'bench-access', refreshToken: 'bench-refresh' }, echoSends: false, postReceipts: false });
  const simServer = await sim.listen();
  const bot = await startProcess(
    ['src/main.ts'],
    botEnv({
      ROLE: 'all',
      PORT: '0',
      QUEUE_PREFIX: `bench-dist-${Date.now()}`,
      LOG_LEVEL: 'info',
      ZALO_OA_API_URL: simServer.url,
      ZALO_OAUTH_URL: simServer.url,
      ZALO_BUSINESS_API_URL: simServer.url,
      ZALO_ACCESS_TOKEN: 'bench-access',
      ZALO_REFRESH_TOKEN: 'bench-refresh',
      ZALO_RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute),
      OUTBOUND_CONCURRENCY: '16',
      // The sweep builds scheduled meetings' packets ahead, a few per run; a meeting is
      // scheduled days before its lock, so the bench lets it run often rather than wait.
      SWEEP_INTERVAL_MS: '1000',
    }),
    /"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
  );
  sim.setWebhookUrl(`${bot.match[1]}/webhooks/zalo`);
  const pid = bot.child.pid ?? 0;
  let peak = await residentBytes(pid);
  const baseline = peak;
  const sampler = setInterval(() => {
    residentBytes(pid).then((bytes) => (peak = Math.max(peak, bytes)), () => undefined);
  }, 50);
  try {
    // Each person has written to the OA (as when they linked their account): Zalo's window is open.
    for (const userId of people) await sim.userSendText(userId, 'xin chào');
    while (sim.getSent({ channel: 'cs' }).length < people.length) await new Promise((resolve) => setTimeout(resolve, 100));
    const packing = performance.now();
    while ((await db.dossierPacket.count()) < options.products) {
      if (performance.now() - packing > 300_000) throw new Error('the packets were not built ahead within 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const packedAheadMs = performance.now() - packing;
    const before = sim.getSent({ channel: 'cs' }).length;
    // Per person: the details, then a link and the PDF file for each product.
    const expected = people.length * (2 * options.products + 1);
    const started = performance.now();
    const response = await fetch(`${bot.match[1]}/admin/v1/meetings/${meeting.id}/lock`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`lock answered ${response.status}: ${await response.text()}`);
    const lockedMs = performance.now() - started;
    const deadline = Date.now() + 300_000;
    while (sim.getSent({ channel: 'cs' }).length - before < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const deliveredMs = performance.now() - started;
    const uploads = sim.getCalls({ path: '/v2.0/oa/upload/file' }).length;
    return { products: options.products, people: people.length, messages: sim.getSent({ channel: 'cs' }).length - before, expected, uploads, packedAheadMs, lockedMs, deliveredMs, peakRssBytes: peak, baselineRssBytes: baseline };
  } finally {
    clearInterval(sampler);
    await bot.stop();
    await simServer.close();
    await db.$disconnect();
  }
}
