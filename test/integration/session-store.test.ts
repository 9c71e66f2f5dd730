import { afterAll, describe, expect, it } from 'vitest';
import type { FlowSession } from '../../src/conversation/flow-engine.js';
import { loadSession, saveSession, StaleSessionError } from '../../src/conversation/session-store.js';
import { createDatabase } from '../../src/db/database.js';
import { testDatabaseUrl, uniqueId } from '../helpers/test-env.js';

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
afterAll(() => db.$disconnect());

const session: FlowSession = {
  flowId: 'product-idea',
  flowVersion: 1,
  stepId: 'name',
  answers: { productName: 'Mật ong rừng Sơn Tây' },
  display: {},
  attempts: 0,
  history: ['intro'],
  stack: [],
};

describe('conversation sessions in Postgres', () => {
  it('round-trips a session and bumps the row version on each write', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveSession(tx, userId, session, null));
    const first = await db.$transaction((tx) => loadSession(tx, userId));
    expect(first).toMatchObject({ session, version: 1 });
    await db.$transaction((tx) => saveSession(tx, userId, { ...session, stepId: 'sector' }, 1));
    expect(await db.$transaction((tx) => loadSession(tx, userId))).toMatchObject({ session: { stepId: 'sector' }, version: 2 });
  });

  it('refuses a stale write: of two turns that read version 1, exactly one wins', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveSession(tx, userId, session, null));
    const results = await Promise.allSettled([
      db.$transaction((tx) => saveSession(tx, userId, { ...session, stepId: 'a' }, 1)),
      db.$transaction((tx) => saveSession(tx, userId, { ...session, stepId: 'b' }, 1)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(StaleSessionError);
    expect((await db.$transaction((tx) => loadSession(tx, userId)))?.version).toBe(2);
  });

  it('refuses to create a session that another turn just created, and removes one only at the expected version', async () => {
    const userId = uniqueId('s');
    await db.$transaction((tx) => saveSession(tx, userId, session, null));
    await expect(db.$transaction((tx) => saveSession(tx, userId, session, null))).rejects.toBeInstanceOf(StaleSessionError);
    await expect(db.$transaction((tx) => saveSession(tx, userId, null, 7))).rejects.toBeInstanceOf(StaleSessionError);
    await db.$transaction((tx) => saveSession(tx, userId, null, 1));
    expect(await db.$transaction((tx) => loadSession(tx, userId))).toBeNull();
  });

  it('drops a stored state this code cannot read instead of replaying it', async () => {
    const userId = uniqueId('s');
    await db.conversationSession.create({ data: { userId, flowId: 'old', flowVersion: 1, stepId: 'x', state: { answers: 'not an object' } } });
    expect(await db.$transaction((tx) => loadSession(tx, userId))).toBeNull();
  });
});
