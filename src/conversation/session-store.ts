import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import type { FlowSession } from './flow-engine.js';

/** Another turn wrote this session first; the caller retries with the fresh one. */
export class StaleSessionError extends Error {
  override name = 'StaleSessionError';
}

const stateSchema = z.object({
  answers: z.record(z.string(), z.unknown()),
  display: z.record(z.string(), z.string()),
  attempts: z.number().int().min(0),
  history: z.array(z.string()),
  returnTo: z.string().optional(),
  cancelPending: z.boolean().optional(),
  stack: z.array(z.object({ flowId: z.string(), flowVersion: z.number().int(), stepId: z.string() })),
});

const jsonObject = z.record(z.string(), z.json());

export interface StoredSession {
  session: FlowSession;
  version: number;
  updatedAt: Date;
}

export async function loadSession(tx: Transaction, userId: string): Promise<StoredSession | null> {
  const row = await tx.conversationSession.findUnique({ where: { userId } });
  if (!row) return null;
  const state = stateSchema.safeParse(row.state);
  // A state this code cannot read (written by another version) is dropped, not replayed.
  if (!state.success) return null;
  return { session: { flowId: row.flowId, flowVersion: row.flowVersion, stepId: row.stepId, ...state.data }, version: row.version, updatedAt: row.updatedAt };
}

/**
 * Writes `session` (or removes it, for null) if the stored row is still at
 * `expectedVersion` (null: no row expected). Otherwise throws StaleSessionError.
 */
export async function saveSession(tx: Transaction, userId: string, session: FlowSession | null, expectedVersion: number | null): Promise<void> {
  if (session === null) {
    if (expectedVersion === null) return;
    const removed = await tx.conversationSession.deleteMany({ where: { userId, version: expectedVersion } });
    if (removed.count !== 1) throw new StaleSessionError(userId);
    return;
  }
  const { flowId, flowVersion, stepId, ...rest } = session;
  // Answers come from validators as plain values; checking them as JSON keeps Postgres honest.
  const state = jsonObject.parse(JSON.parse(JSON.stringify(rest)));
  if (expectedVersion === null) {
    const created = await tx.conversationSession.createMany({ data: [{ userId, flowId, flowVersion, stepId, state }], skipDuplicates: true });
    if (created.count !== 1) throw new StaleSessionError(userId);
    return;
  }
  const updated = await tx.conversationSession.updateMany({
    where: { userId, version: expectedVersion },
    data: { flowId, flowVersion, stepId, state, version: expectedVersion + 1 },
  });
  if (updated.count !== 1) throw new StaleSessionError(userId);
}
