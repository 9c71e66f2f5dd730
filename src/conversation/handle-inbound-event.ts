import type { Database, Transaction } from '../db/database.js';
import { commitsBehind, inOrder, lastStatement, withRawTransaction, type RawTransaction } from '../db/raw-transaction.js';
import type { SqlPool } from '../db/sql-pool.js';
import { Prisma } from '../db/generated/client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { z } from 'zod';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import { isInvitationCodeLike } from '../officials/official-invitations.js';
import { composeReplies } from '../outbound/compose-replies.js';
import { releaseHeldMessages } from '../outbound/held-messages.js';
import { addToOutbox, enqueueCommitted, outboxInsert, type OutboxEntry } from '../outbound/outbox.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { zaloEventSchema, type ZaloEvent } from '../zalo/webhook-events.js';
import type { ConversationAction } from './action-outcome.js';
import type { ProducerFacts } from './producer-facts.js';
import { converse, type ConversationInput } from './converse.js';
import type { ReceivedFile } from './flow-engine.js';
import { buildEngineContext, type ConversationSetup } from './engine-context.js';
import { toNfc } from '../text/normalize-input.js';
import { readStoredConversation, sessionWrite, StaleSessionError } from './session-store.js';

export interface InboundDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  metrics: Metrics;
  maxAttempts: number;
  now: () => Date;
  conversation: ConversationSetup;
  actions: Readonly<Record<string, ConversationAction>>;
  /** A flow untouched this long is resumed with "continue or start again?". */
  resumeAfterMs: number;
  /** What the conversation knows of a person before a turn (the registration feature loads it, with raw SQL). */
  loadFacts: (tx: RawTransaction, userId: string) => Promise<ProducerFacts>;
  /**
   * Plain `pg` connections for the turns that only converse (most of them): their
   * statements skip Prisma, and a turn that runs an action is run again through Prisma.
   * Without it, every turn goes through Prisma.
   */
  sql?: SqlPool | undefined;
  /** Queues the download of documents recorded by a turn, once it has committed. */
  enqueueDocumentIntake: (documentIds: bigint[]) => Promise<void>;
}

const maxStaleRetries = 3;

/** What a turn reads of a recorded event. */
interface RecordedEvent {
  id: bigint;
  eventKey: string;
  userId: string | null;
  payload: unknown;
  attempts: number;
}

interface HandledEvent {
  status: 'processed' | 'ignored' | 'invalid';
  outboundIds: bigint[];
  documentIds?: bigint[];
  /** a turn's writes, made in one statement with the event's own (commitTurn) */
  writes?: { userId: string; session: Prisma.Sql | null; outbox: OutboxEntry[] };
}

// What Zalo's share-your-details form sends back; only text fields are taken.
const sharedInfoSchema = z.object({ phone: z.string().optional(), name: z.string().optional(), address: z.string().optional() });

const attachmentSchema = z.object({ url: z.url({ protocol: /^https?$/ }), name: z.string().optional() });

/** Photos and files of a message, each with the address to fetch it from. */
function filesOf(event: Extract<ZaloEvent, { kind: 'user_message' }>): ReceivedFile[] {
  if (event.name !== 'user_send_image' && event.name !== 'user_send_file') return [];
  return event.attachments.flatMap((attachment, index) => {
    const payload = attachmentSchema.safeParse(attachment.payload);
    if (!payload.success || (attachment.type !== 'image' && attachment.type !== 'file')) return [];
    return [{ index, type: attachment.type, url: payload.data.url, ...(payload.data.name ? { name: toNfc(payload.data.name) } : {}) }];
  });
}

function conversationInputOf(event: ZaloEvent): ConversationInput | undefined {
  switch (event.kind) {
    case 'follow':
      return { kind: 'follow' };
    case 'user_message': {
      if (event.name === 'user_send_text' && event.text !== undefined) return { kind: 'text', text: toNfc(event.text) };
      const files = filesOf(event);
      return files.length > 0 ? { kind: 'files', files } : { kind: 'other' };
    }
    case 'submit_info': {
      const info = sharedInfoSchema.safeParse(event.info);
      return info.success ? { kind: 'shared', info: Object.fromEntries(Object.entries(info.data).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toNfc(v)])) } : { kind: 'other' };
    }
    default:
      return undefined;
  }
}

/**
 * A turn's transaction: its raw statements, and Prisma's whole API where the turn runs
 * through Prisma (null on the plain `pg` path, where a turn that needs it is run again).
 */
interface TurnTransaction {
  raw: RawTransaction;
  full: Transaction | null;
}

/** The turn runs an action, which needs Prisma's transaction: it is run again through Prisma. */
class NeedsPrismaError extends Error {
  override name = 'NeedsPrismaError';
}

/** Applies one event inside the caller's transaction; returns outbound rows to enqueue. */
async function applyEvent(turnTx: TurnTransaction, row: RecordedEvent, deps: InboundDeps): Promise<HandledEvent> {
  const tx = turnTx.raw;
  const parsed = zaloEventSchema.safeParse(row.payload);
  if (!parsed.success) return { status: 'invalid', outboundIds: [] };
  const event = parsed.data;
  const at = new Date(Number(event.timestamp));
  if (event.kind === 'oa_echo' || !row.userId) return { status: 'ignored', outboundIds: [] };

  if (event.kind === 'receipt') {
    // Receipts tell which of our messages arrived and were read (proof of delivery).
    if (event.msgIds.length > 0) {
      await (event.name === 'user_seen_message'
        ? tx.$executeRaw`UPDATE outbound_message SET seen_at = ${at} WHERE zalo_message_id = ANY(${event.msgIds}::text[]) AND seen_at IS NULL`
        : tx.$executeRaw`UPDATE outbound_message SET received_at = ${at} WHERE zalo_message_id = ANY(${event.msgIds}::text[]) AND received_at IS NULL`);
    }
    return { status: 'processed', outboundIds: [] };
  }

  // Following, writing and tapping a button all open Zalo's messaging window. The person is
  // recorded and their conversation read in one statement, sent with the release of their
  // held messages and the read of their facts: every turn pays for each round trip.
  const following = event.kind === 'unfollow' ? false : event.kind === 'follow' ? true : undefined;
  const input = conversationInputOf(event);
  const now = deps.now();
  const userId = row.userId;
  const [[user], released, facts] = await inOrder(tx, [
    () => tx.$queryRaw<{ locale: string; state: unknown; version: number | null; updatedAt: Date | null; flowId: string | null; flowVersion: number | null; stepId: string | null }[]>`
    WITH person AS (
      INSERT INTO zalo_user (id, locale, following, last_interaction_at, created_at, updated_at)
      VALUES (${userId}, ${defaultLocale}, ${following ?? true}, ${at}, ${now}, ${now})
      ON CONFLICT (id) DO UPDATE SET last_interaction_at = EXCLUDED.last_interaction_at, following = COALESCE(${following ?? null}::boolean, zalo_user.following)
      RETURNING id, locale)
    SELECT person.locale, session.state, session.version, session.updated_at AS "updatedAt",
           session.flow_id AS "flowId", session.flow_version AS "flowVersion", session.step_id AS "stepId"
    FROM person LEFT JOIN conversation_session session ON session.user_id = person.id`,
    // The window is open again: what Zalo refused while it was closed goes first, in order.
    () => (event.kind === 'unfollow' ? Promise.resolve([]) : releaseHeldMessages(tx, userId)),
    // Only a turn that converses needs them.
    () => (input ? deps.loadFacts(tx, userId) : Promise.resolve(undefined)),
  ] as const);
  if (!user) throw new Error('the person was not recorded');
  if (!input || !facts) return { status: 'processed', outboundIds: released };
  const locale = isLocale(user.locale) ? user.locale : defaultLocale;
  const stored = user.version === null || user.updatedAt === null ? null : readStoredConversation({ state: user.state, version: user.version, updatedAt: user.updatedAt, flowId: user.flowId ?? undefined, flowVersion: user.flowVersion ?? undefined, stepId: user.stepId ?? undefined });
  if (stored && stored.state === null) deps.logger.warn({ userId, version: stored.version }, 'stored conversation state unreadable; starting over from the menu');
  const turn = converse((l) => buildEngineContext(deps.conversation, facts, l, now), input, { state: stored?.state ?? null, updatedAt: stored?.updatedAt ?? null, locale }, {
    resumeAfterMs: deps.resumeAfterMs,
    revision: facts.revision,
    isInvitationCode: isInvitationCodeLike,
    commands: deps.conversation.commands,
  });

  // Actions need Prisma's transaction: on the plain path, the turn is run again through it.
  const full = turnTx.full;
  if (full === null && turn.items.some((item) => item.type !== 'message')) throw new NeedsPrismaError('the turn runs an action');
  // Effects run here, in the turn's transaction, in the order the flow gave them; what they
  // say takes their place among the flow's messages.
  const replies: OutgoingMessage[] = [];
  const notices: OutboxEntry[] = [];
  const documentIds: bigint[] = [];
  const messageId = event.kind === 'user_message' ? event.msgId : undefined;
  for (const item of turn.items) {
    if (item.type === 'message') {
      replies.push(item.message);
      continue;
    }
    const action = deps.actions[item.effect.action];
    if (!action) throw new Error(`action ${item.effect.action} is not registered`);
    if (full === null) throw new NeedsPrismaError('the turn runs an action');
    const outcome = await action({ tx: full, userId, locale: turn.locale, translate: deps.translate, answers: item.effect.answers, now, messageId });
    replies.push(...outcome.reply);
    documentIds.push(...(outcome.intake ?? []));
    for (const notice of outcome.notify) {
      for (const message of composeReplies([notice.message])) {
        notices.push({ idempotencyKey: `${row.eventKey}:notice:${notices.length}`, recipient: notice.recipient, message, causeEventId: row.id });
      }
    }
  }
  if (turn.locale !== locale) await tx.$executeRaw`UPDATE zalo_user SET locale = ${turn.locale}, updated_at = ${now} WHERE id = ${userId}`;
  const outbox = [...composeReplies(replies).map((message, index) => ({ idempotencyKey: `${row.eventKey}:reply:${index}`, recipient: userId, message, causeEventId: row.id })), ...notices];
  return { status: 'processed', outboundIds: released, documentIds, writes: { userId, session: sessionWrite(userId, turn.state, stored?.version ?? null, now), outbox } };
}

/** What conversation_session_written raises when the session was not written (see its migration). */
const sessionMovedCode = 'OC409';

/**
 * Marks the event handled and, for a turn, saves the session (at its row version) and
 * writes its messages to the outbox: one statement, since every turn pays for each round
 * trip, with COMMIT sent behind it where the connection pipelines. Returns the outbox ids;
 * a session another turn moved first throws StaleSessionError, and nothing is committed.
 */
async function commitTurn(tx: RawTransaction, eventId: bigint, handled: HandledEvent, now: Date): Promise<bigint[]> {
  const session = handled.writes?.session ?? null;
  const outbox = handled.writes && handled.writes.outbox.length > 0 ? outboxInsert(handled.writes.outbox, now) : null;
  // With COMMIT right behind, a stale session must fail the statement itself.
  const failsIfStale = commitsBehind(tx);
  const saved = session ? (failsIfStale ? Prisma.sql`conversation_session_written((SELECT count(*) FROM s))` : Prisma.sql`(SELECT count(*) FROM s)`) : Prisma.sql`1::bigint`;
  const stale = () => new StaleSessionError(handled.writes?.userId ?? '');
  const [row] = await lastStatement(tx, () =>
    tx.$queryRaw<{ saved: bigint; ids: bigint[] | null }[]>`
    WITH ${session ? Prisma.sql`s AS (${session}),` : Prisma.empty} ${outbox ? Prisma.sql`o AS (${outbox}),` : Prisma.empty}
      e AS (UPDATE inbound_event SET status = ${handled.status}::"InboundStatus", processed_at = ${now}, error = NULL WHERE id = ${eventId} RETURNING 1)
    SELECT ${saved} AS saved,
           ${outbox ? Prisma.sql`(SELECT array_agg(id ORDER BY id) FROM o)` : Prisma.sql`NULL::bigint[]`} AS ids,
           (SELECT count(*) FROM e) AS marked`,
  ).catch((error: unknown) => {
    throw failsIfStale && (error as { code?: unknown } | null)?.code === sessionMovedCode ? stale() : error;
  });
  if (session && Number(row?.saved) !== 1) throw stale();
  return [...handled.outboundIds, ...(row?.ids ?? [])];
}

async function giveUp(deps: InboundDeps, row: RecordedEvent, reason: string): Promise<bigint[]> {
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    await tx.inboundEvent.update({ where: { id: row.id }, data: { status: 'failed', error: reason, processedAt: now } });
    if (!row.userId) return [];
    const user = await tx.zaloUser.findUnique({ where: { id: row.userId } });
    const locale = user && isLocale(user.locale) ? user.locale : defaultLocale;
    return addToOutbox(tx, [
      {
        idempotencyKey: `${row.eventKey}:apology`,
        recipient: row.userId,
        message: { kind: 'text', text: deps.translate(locale, 'common.apology') },
        causeEventId: row.id,
      },
    ], now);
  });
}

/**
 * Handles a recorded event. One user's events are applied strictly in arrival order,
 * whichever worker runs: under a per-user advisory lock, the earliest pending event of
 * that user is applied first, until `eventId` itself is done. Each event's effects, its
 * replies in the outbox and its status change commit together, so a retried or
 * duplicated job applies nothing twice.
 */
export async function handleInboundEvent(deps: InboundDeps, eventId: bigint, enqueueOutbound: (ids: bigint[]) => Promise<void>): Promise<void> {
  let staleRetries = 0;
  for (;;) {
    let head: RecordedEvent | null = null;
    let outboundIds: bigint[] = [];
    let documentIds: bigint[] = [];
    let done: boolean;
    /** One turn in `turnTx`: true when `eventId` itself is done. */
    const runTurn = async (turnTx: TurnTransaction): Promise<boolean> => {
      const tx = turnTx.raw;
      // The event's person is locked by the statement that finds the event still pending.
      // Its snapshot predates the lock, so the head of the person's queue is read by the
      // next statement, which Postgres starts once the lock is held; both go in one round
      // trip. An event without a person is its own queue.
      const [[target], [found = null]] = await inOrder(tx, [
        () => tx.$queryRaw<{ userId: string | null }[]>`
          SELECT e.user_id AS "userId", pg_advisory_xact_lock(hashtextextended('inbound:' || COALESCE(e.user_id, e.event_key), 0))::text AS locked
          FROM inbound_event e WHERE e.id = ${eventId} AND e.status = 'pending'`,
        () => tx.$queryRaw<RecordedEvent[]>`
          (SELECT id, event_key AS "eventKey", user_id AS "userId", payload, attempts FROM inbound_event
           WHERE status = 'pending' AND user_id = (SELECT user_id FROM inbound_event WHERE id = ${eventId})
           ORDER BY id LIMIT 1)
          UNION ALL
          (SELECT id, event_key, user_id, payload, attempts FROM inbound_event WHERE id = ${eventId} AND status = 'pending' AND user_id IS NULL)`,
      ] as const);
      if (!target) return true;
      head = found;
      if (!head || head.id > eventId) return true;
      const handled = await applyEvent(turnTx, head, deps);
      outboundIds = await commitTurn(tx, head.id, handled, deps.now());
      documentIds = handled.documentIds ?? [];
      deps.metrics.inboundHandled.inc({ result: handled.status });
      return head.id === eventId;
    };
    const throughPrisma = () => deps.db.$transaction((tx) => runTurn({ raw: tx, full: tx }), { timeout: 30_000, maxWait: 30_000 });
    try {
      const sql = deps.sql;
      // Most turns only converse: plain `pg`. One that runs an action is rolled back and run through Prisma.
      done = sql
        ? await withRawTransaction(sql, (raw) => runTurn({ raw, full: null })).catch((error: unknown) => {
            if (!(error instanceof NeedsPrismaError)) throw error;
            return throughPrisma();
          })
        : await throughPrisma();
    } catch (error) {
      // Another writer moved the session under this turn: nothing was committed, so the
      // turn is simply run again on the fresh session rather than counted as a failure.
      if (error instanceof StaleSessionError && staleRetries < maxStaleRetries) {
        staleRetries += 1;
        deps.logger.warn({ eventId: String(eventId) }, 'session changed under the turn; running it again');
        continue;
      }
      const failed = head as RecordedEvent | null;
      if (!failed) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      const attempts = failed.attempts + 1;
      await deps.db.inboundEvent.update({ where: { id: failed.id }, data: { attempts, error: reason.slice(0, 1000) } });
      deps.logger.error({ err: error, eventId: String(failed.id), attempts }, 'inbound event failed');
      if (attempts < deps.maxAttempts) throw error;
      deps.metrics.inboundHandled.inc({ result: 'failed' });
      outboundIds = await giveUp(deps, failed, reason.slice(0, 1000));
      done = failed.id === eventId;
    }
    // The replies are committed; if Redis is away now, the sweep enqueues them later.
    await enqueueCommitted(enqueueOutbound, outboundIds, deps.logger);
    await enqueueCommitted(deps.enqueueDocumentIntake, documentIds, deps.logger, 'document intake');
    if (done) return;
  }
}
