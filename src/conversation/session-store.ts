import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import type { FlowSession } from './flow-engine.js';

/** Another turn wrote this session first; the caller retries with the fresh one. */
export class StaleSessionError extends Error {
  override name = 'StaleSessionError';
}

/** A question the router asked outside any flow; the next answer settles it. */
export type PendingQuestion = { kind: 'resume' } | { kind: 'replace'; flowId: string };

/** Everything remembered of a person's conversation between turns. */
export interface ConversationState {
  /** The flow in progress; its stack holds the flows waiting under it (the main menu). */
  flow: FlowSession;
  /** A flow left through "menu", waiting for "tiếp tục". */
  suspended?: FlowSession;
  pending?: PendingQuestion;
}

const answers = z.record(z.string(), z.unknown());
const frameSchema = z.object({ flowId: z.string(), flowVersion: z.number().int(), stepId: z.string(), answers, history: z.array(z.string()) });
const flowSchema = z.object({
  flowId: z.string(),
  flowVersion: z.number().int(),
  stepId: z.string(),
  answers,
  attempts: z.number().int().min(0),
  history: z.array(z.string()),
  returnTo: z.object({ stepId: z.string(), after: z.string().optional() }).optional(),
  cancelPending: z.boolean().optional(),
  matches: z.array(z.string()).optional(),
  stack: z.array(frameSchema),
});
const stateSchema = z.object({
  flow: flowSchema,
  suspended: flowSchema.optional(),
  pending: z.discriminatedUnion('kind', [z.object({ kind: z.literal('resume') }), z.object({ kind: z.literal('replace'), flowId: z.string() })]).optional(),
});

// Every state the engine can produce must read back: a schema stricter than the type
// would silently drop conversations, so the compiler checks it.
const everyStateReadsBack: ConversationState extends z.input<typeof stateSchema> ? true : never = true;
void everyStateReadsBack;

const jsonObject = z.record(z.string(), z.json());

export interface StoredConversation {
  /** null when the row was written by code that stored another shape. */
  state: ConversationState | null;
  version: number;
  updatedAt: Date;
}

export async function loadConversation(tx: Transaction, userId: string): Promise<StoredConversation | null> {
  const row = await tx.conversationSession.findUnique({ where: { userId } });
  if (!row) return null;
  const state = stateSchema.safeParse(row.state);
  // A state this code cannot read (written by another version) is dropped, not replayed;
  // its row version stays, so the next write replaces the row.
  return { state: state.success ? state.data : null, version: row.version, updatedAt: row.updatedAt };
}

/**
 * Writes `state` (or removes it, for null) if the stored row is still at
 * `expectedVersion` (null: no row expected). Otherwise throws StaleSessionError. `now` is
 * the turn's clock, so "left for days" is measured on the same clock as the turn.
 */
export async function saveConversation(tx: Transaction, userId: string, state: ConversationState | null, expectedVersion: number | null, now: Date): Promise<void> {
  if (state === null) {
    if (expectedVersion === null) return;
    const removed = await tx.conversationSession.deleteMany({ where: { userId, version: expectedVersion } });
    if (removed.count !== 1) throw new StaleSessionError(userId);
    return;
  }
  const { flowId, flowVersion, stepId } = state.flow;
  // Answers come from validators as plain values; checking them as JSON keeps Postgres honest.
  const json = jsonObject.parse(JSON.parse(JSON.stringify(state)));
  if (expectedVersion === null) {
    const created = await tx.conversationSession.createMany({ data: [{ userId, flowId, flowVersion, stepId, state: json, createdAt: now, updatedAt: now }], skipDuplicates: true });
    if (created.count !== 1) throw new StaleSessionError(userId);
    return;
  }
  const updated = await tx.conversationSession.updateMany({
    where: { userId, version: expectedVersion },
    data: { flowId, flowVersion, stepId, state: json, version: expectedVersion + 1, updatedAt: now },
  });
  if (updated.count !== 1) throw new StaleSessionError(userId);
}
