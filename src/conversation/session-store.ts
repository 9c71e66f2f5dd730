import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import { Prisma } from '../db/generated/client.js';
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

export interface StoredConversation {
  /** null when the row was written by code that stored another shape. */
  state: ConversationState | null;
  version: number;
  updatedAt: Date;
}

export async function loadConversation(tx: Transaction, userId: string): Promise<StoredConversation | null> {
  const row = await tx.conversationSession.findUnique({ where: { userId } });
  return row ? readStoredConversation(row) : null;
}

/**
 * The first stored shape (November 2026): one flow's answers and attempts in `state`, its
 * flow, version and step in the row's columns, the flows under it as bare positions.
 */
const firstShape = z.object({
  answers,
  display: z.record(z.string(), z.string()).optional(),
  attempts: z.number().int().min(0),
  history: z.array(z.string()),
  returnTo: z.string().optional(),
  cancelPending: z.boolean().optional(),
  stack: z.array(z.object({ flowId: z.string(), flowVersion: z.number().int(), stepId: z.string() })),
});

/** A session of an earlier shape, brought to this one: what the person answered is kept. */
function migrate(row: StoredRow): ConversationState | null {
  const first = firstShape.safeParse(row.state);
  if (!first.success || row.flowId === undefined || row.flowVersion === undefined || row.stepId === undefined) return null;
  const { answers: given, attempts, history, returnTo, cancelPending, stack } = first.data;
  return {
    flow: {
      flowId: row.flowId,
      flowVersion: row.flowVersion,
      stepId: row.stepId,
      answers: given,
      attempts,
      history,
      ...(returnTo ? { returnTo: { stepId: returnTo } } : {}),
      ...(cancelPending ? { cancelPending } : {}),
      // The flows waiting underneath kept no answers then (the menu has none).
      stack: stack.map((frame) => ({ ...frame, answers: {}, history: [] })),
    },
  };
}

interface StoredRow {
  state: unknown;
  version: number;
  updatedAt: Date;
  /** the row's columns; the first shape kept the flow's position there */
  flowId?: string | undefined;
  flowVersion?: number | undefined;
  stepId?: string | undefined;
}

/** A stored session row as the conversation uses it, for callers that read the row themselves. */
export function readStoredConversation(row: StoredRow): StoredConversation {
  const state = stateSchema.safeParse(row.state);
  // An earlier shape is migrated; one this code cannot read at all is dropped, not replayed
  // (and logged by the caller); its row version stays, so the next write replaces the row.
  return { state: state.success ? state.data : migrate(row), version: row.version, updatedAt: row.updatedAt };
}

/**
 * Writes `state` (or removes it, for null) if the stored row is still at
 * `expectedVersion` (null: no row expected). Otherwise throws StaleSessionError. `now` is
 * the turn's clock, so "left for days" is measured on the same clock as the turn.
 */
export async function saveConversation(tx: Transaction, userId: string, state: ConversationState | null, expectedVersion: number | null, now: Date): Promise<void> {
  const write = sessionWrite(userId, state, expectedVersion, now);
  if (!write) return;
  const [row] = await tx.$queryRaw<{ written: bigint }[]>`WITH w AS (${write}) SELECT count(*) AS written FROM w`;
  if (Number(row?.written) !== 1) throw new StaleSessionError(userId);
}

/**
 * The statement that writes `state` (or removes it, for null) if the stored row is still
 * at `expectedVersion` (null: no row expected), returning one row when it did; null when
 * there is nothing to write. Raw SQL: every turn saves here, and the version check is in
 * the WHERE clause. A turn runs it inside its own combined statement.
 */
export function sessionWrite(userId: string, state: ConversationState | null, expectedVersion: number | null, now: Date): Prisma.Sql | null {
  if (state === null) return expectedVersion === null ? null : Prisma.sql`DELETE FROM conversation_session WHERE user_id = ${userId} AND version = ${expectedVersion} RETURNING 1`;
  const { flowId, flowVersion, stepId } = state.flow;
  // Answers come from validators as plain values. JSON text is JSON whatever the values
  // were (undefined dropped, NaN as null), so Postgres always accepts it; checking it
  // again with a schema cost ten times the stringify on every turn.
  const json = JSON.stringify(state);
  if (expectedVersion === null) {
    return Prisma.sql`
      INSERT INTO conversation_session (user_id, flow_id, flow_version, step_id, state, version, created_at, updated_at)
      VALUES (${userId}, ${flowId}, ${flowVersion}, ${stepId}, ${json}::jsonb, 1, ${now}, ${now})
      ON CONFLICT (user_id) DO NOTHING RETURNING 1`;
  }
  return Prisma.sql`
    UPDATE conversation_session
    SET flow_id = ${flowId}, flow_version = ${flowVersion}, step_id = ${stepId}, state = ${json}::jsonb, version = ${expectedVersion + 1}, updated_at = ${now}
    WHERE user_id = ${userId} AND version = ${expectedVersion} RETURNING 1`;
}
