import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleInboundEvent } from '../../src/conversation/handle-inbound-event.js';
import { createDatabase } from '../../src/db/database.js';
import { createTranslator, loadDictionaries, type Translate } from '../../src/i18n/translator.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { resetDatabase, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { textEvent } from '../helpers/zalo-fixtures.js';

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
const translate = createTranslator(loadDictionaries(join(import.meta.dirname, '../../locales')));

beforeAll(() => resetDatabase(db));
afterAll(() => db.$disconnect());

async function recordText(userId: string, text: string) {
  const event = textEvent({ appId: 'test-app', userId, text });
  return db.inboundEvent.create({
    data: { eventKey: `msg:${event.message.msg_id}`, eventName: event.event_name, userId, zaloTimestamp: new Date(Number(event.timestamp)), payload: event },
  });
}

describe('a turn that keeps failing', () => {
  it('is retried, then marked failed, and the user gets one apology in their language; later messages go on', async () => {
    const userId = uniqueId('broken');
    await db.zaloUser.create({ data: { id: userId, locale: 'en' } });
    // The menu text cannot be built: every turn for this user throws.
    const broken: Translate = (locale, key, vars) => {
      if (key === 'menu.prompt') throw new Error('locale store unavailable');
      return translate(locale, key, vars);
    };
    const deps = { db, translate: broken, logger: capturedLogger().logger, metrics: createMetrics(), maxAttempts: 3, now: () => new Date() };
    const failing = await recordText(userId, 'hello');
    const enqueued: bigint[][] = [];
    const enqueue = async (ids: bigint[]) => {
      enqueued.push(ids);
    };

    for (let attempt = 1; attempt < 3; attempt += 1) {
      await expect(handleInboundEvent(deps, failing.id, enqueue)).rejects.toThrow('locale store unavailable');
      expect(await db.inboundEvent.findUniqueOrThrow({ where: { id: failing.id } })).toMatchObject({ status: 'pending', attempts: attempt });
    }
    await handleInboundEvent(deps, failing.id, enqueue);
    expect(await db.inboundEvent.findUniqueOrThrow({ where: { id: failing.id } })).toMatchObject({ status: 'failed', attempts: 3 });
    const apology = await db.outboundMessage.findMany({ where: { recipient: userId } });
    expect(apology).toHaveLength(1);
    expect(apology[0]?.payload).toEqual({ kind: 'text', text: translate('en', 'common.apology') });
    expect(enqueued.flat()).toEqual([apology[0]!.id]);

    // A retried job for the failed event does nothing more.
    await handleInboundEvent(deps, failing.id, enqueue);
    expect(await db.outboundMessage.count({ where: { recipient: userId } })).toBe(1);

    // The user is not stuck behind the failed event.
    const next = await recordText(userId, 'English');
    await handleInboundEvent({ ...deps, translate }, next.id, enqueue);
    expect(await db.inboundEvent.findUniqueOrThrow({ where: { id: next.id } })).toMatchObject({ status: 'processed' });
    expect(await db.outboundMessage.count({ where: { recipient: userId } })).toBe(3);
  });
});
