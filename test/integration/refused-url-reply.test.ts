import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/conversation/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { intakeDocument, type IntakeDeps } from '../../src/dossier/intake-document.js';
import { createLocalStorage } from '../../src/dossier/local-storage.js';
import { ideaAnswersVi, profileAnswersVi } from '../fixtures/producer-answers.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';
import { capturedLogger } from '../helpers/zalo-harness.js';

// A file whose address is outside Zalo's hosts is refused the same way however often it is
// resent; the producer is told to send it differently, not to send it again.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 6 });
const clock = { now: new Date('2026-11-23T02:00:00Z') };
let conversation: LoadedConversation;
let storageDir: string;
let intake: IntakeDeps;
const queued: bigint[] = [];
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock, { enqueueDocumentIntake: async (ids) => void queued.push(...ids) }));

async function runIntake(userId: string): Promise<string[]> {
  for (const id of queued.splice(0)) await intakeDocument(intake, id);
  return driver.collect(userId);
}

beforeAll(async () => {
  // Nothing is fetched: a refused address is refused before any request.
  nock.disableNetConnect();
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  storageDir = await mkdtemp(join(tmpdir(), 'documents-'));
  intake = {
    db,
    storage: createLocalStorage({ root: storageDir }),
    translate,
    logger: capturedLogger().logger,
    now: () => clock.now,
    download: { maxBytes: 1024 * 1024, timeoutMs: 500, deadlineMs: 1500, maxRedirects: 3, allowedHosts: ['zdn.vn', 'dlfl.vn'] },
  };
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  conversation.stop();
  await db.$disconnect();
  await rm(storageDir, { recursive: true, force: true });
});

describe('a file at an address outside Zalo', () => {
  it('tells the producer to send it with Zalo’s own buttons or bring it to the commune, not to resend it', async () => {
    const userId = uniqueId('refused-url');
    await driver.play(userId, ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']);
    await driver.play(userId, ['menu', '4']);

    await driver.sendFiles(userId, [{ type: 'file', url: 'https://files.example.com/mau01.pdf', name: 'mau01.pdf' }]);
    const [told] = await runIntake(userId);
    const item = translate('vi', 'dossier.item.form01');
    expect(told).toBe(translate('vi', 'dossier.refused.refusedUrl', { item }));
    expect(told).not.toBe(translate('vi', 'dossier.refused.unreachable', { item }));
    expect(told).toContain('nút gửi ảnh hoặc nút đính kèm tệp');
    expect(told).toContain('UBND xã');
    expect(translate('en', 'dossier.refused.refusedUrl', { item: 'Form 01' })).toContain('bring the papers to the commune office');

    const documents = await db.dossierDocument.findMany({ where: { uploadedBy: userId } });
    expect(documents.map((d) => [d.status, d.refusedReason, d.sourceUrl])).toEqual([['refused', 'refused_url', null]]);
  });
});
