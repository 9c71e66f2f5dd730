import { afterAll, describe, expect, it } from 'vitest';
import { loadConversation, saveConversation, StaleSessionError, type ConversationState } from '../../src/conversation/session-store.js';
import { createDatabase } from '../../src/db/database.js';
import { testDatabaseUrl, uniqueId } from '../helpers/test-env.js';

// When each write happens; the store only keeps it.
const savedAt = new Date('2026-12-01T02:00:00Z');

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
afterAll(() => db.$disconnect());

const flow = {
  flowId: 'product-idea',
  flowVersion: 1,
  stepId: 'name',
  answers: { productName: 'Mật ong rừng Sơn Tây' },
  attempts: 0,
  history: ['intro'],
  stack: [{ flowId: 'main-menu', flowVersion: 1, stepId: 'menu', answers: {}, history: [] }],
};
const session: ConversationState = { flow, suspended: { ...flow, flowId: 'producer-profile' }, pending: { kind: 'resume' } };
const at = (stepId: string): ConversationState => ({ flow: { ...flow, stepId } });

describe('conversation sessions in Postgres', () => {
  it('round-trips a session and bumps the row version on each write', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveConversation(tx, userId, session, null, savedAt));
    const first = await db.$transaction((tx) => loadConversation(tx, userId));
    expect(first).toMatchObject({ state: session, version: 1 });
    await db.$transaction((tx) => saveConversation(tx, userId, at('sector'), 1, savedAt));
    expect(await db.$transaction((tx) => loadConversation(tx, userId))).toMatchObject({ state: { flow: { stepId: 'sector' } }, version: 2 });
  });

  it('refuses a stale write: of two turns that read version 1, exactly one wins', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveConversation(tx, userId, session, null, savedAt));
    const results = await Promise.allSettled([
      db.$transaction((tx) => saveConversation(tx, userId, at('a'), 1, savedAt)),
      db.$transaction((tx) => saveConversation(tx, userId, at('b'), 1, savedAt)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(StaleSessionError);
    expect((await db.$transaction((tx) => loadConversation(tx, userId)))?.version).toBe(2);
  });

  it('refuses to create a session that another turn just created, and removes one only at the expected version', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveConversation(tx, userId, session, null, savedAt));
    await expect(db.$transaction((tx) => saveConversation(tx, userId, session, null, savedAt))).rejects.toBeInstanceOf(StaleSessionError);
    await expect(db.$transaction((tx) => saveConversation(tx, userId, null, 7, savedAt))).rejects.toBeInstanceOf(StaleSessionError);
    await db.$transaction((tx) => saveConversation(tx, userId, null, 1, savedAt));
    expect(await db.$transaction((tx) => loadConversation(tx, userId))).toBeNull();
  });

  it('migrates a session stored in the first shape, keeping what the person answered', async () => {
    const userId = uniqueId('s');
    // As the first version wrote it: the flow's position in the columns, the rest in state.
    await db.conversationSession.create({
      data: {
        userId,
        flowId: 'product-idea',
        flowVersion: 1,
        stepId: 'name',
        state: { answers: { productName: 'Mật ong rừng Sơn Tây' }, display: {}, attempts: 1, history: ['intro'], returnTo: 'summary', stack: [{ flowId: 'main-menu', flowVersion: 1, stepId: 'menu' }] },
        updatedAt: new Date('2026-11-20T02:00:00Z'),
      },
    });
    const loaded = await db.$transaction((tx) => loadConversation(tx, userId));
    expect(loaded?.state).toEqual({
      flow: { flowId: 'product-idea', flowVersion: 1, stepId: 'name', answers: { productName: 'Mật ong rừng Sơn Tây' }, attempts: 1, history: ['intro'], returnTo: { stepId: 'summary' }, stack: [{ flowId: 'main-menu', flowVersion: 1, stepId: 'menu', answers: {}, history: [] }] },
    });
    // Saved again in today's shape at the row's version.
    await db.$transaction((tx) => saveConversation(tx, userId, loaded!.state!, 1, savedAt));
    expect(await db.$transaction((tx) => loadConversation(tx, userId))).toMatchObject({ state: loaded!.state, version: 2 });
  });

  it('does not replay a stored state this code cannot read, and replaces it on the next write', async () => {
    const userId = uniqueId('s');
    await db.conversationSession.create({ data: { userId, flowId: 'old', flowVersion: 1, stepId: 'x', state: { answers: 'not an object' }, updatedAt: new Date('2026-12-01T02:00:00Z') } });
    expect(await db.$transaction((tx) => loadConversation(tx, userId))).toMatchObject({ state: null, version: 1 });
    // The next turn replaces it at that version.
    await db.$transaction((tx) => saveConversation(tx, userId, session, 1, savedAt));
    expect(await db.$transaction((tx) => loadConversation(tx, userId))).toMatchObject({ state: session, version: 2 });
  });
});
