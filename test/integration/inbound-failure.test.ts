import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { handleInboundEvent } from '../../src/conversation/handle-inbound-event.js';
import { createDatabase } from '../../src/db/database.js';
import type { Translate } from '../../src/i18n/translator.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { textEvent } from '../helpers/zalo-fixtures.js';

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
let conversation: LoadedConversation;

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
});
afterAll(async () => {
  await db.$disconnect();
});

async function recordText(userId: string, text: string) {
  const event = textEvent({ appId: 'test-app', userId, text });
  return db.inboundEvent.create({
    data: { eventKey: `msg:${event.message.msg_id}`, eventName: event.event_name, userId, zaloTimestamp: new Date(Number(event.timestamp)), receivedAt: new Date(Number(event.timestamp)), payload: event },
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
    const clock = { now: new Date() };
    const deps = inboundDeps(db, conversation, clock, { translate: broken, conversation: { ...conversation.setup, translate: broken } });
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
    await handleInboundEvent(inboundDeps(db, conversation, clock), next.id, enqueue);
    expect(await db.inboundEvent.findUniqueOrThrow({ where: { id: next.id } })).toMatchObject({ status: 'processed' });
    const replies = await db.outboundMessage.findMany({ where: { recipient: userId }, orderBy: { id: 'asc' } });
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies[1]?.payload)).toContain('Switched to English.');
  });
});
