import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { projectRoot } from '../src/config/project-root.js';
import { loadConversation } from '../src/bot/conversation-setup.js';
import { converse } from '../src/conversation/converse.js';
import { buildEngineContext } from '../src/conversation/engine-context.js';
import { handleInboundEvent } from '../src/conversation/handle-inbound-event.js';
import type { ConversationState } from '../src/conversation/session-store.js';
import { createDatabase, type Database } from '../src/db/database.js';
import { createSqlPool } from '../src/db/sql-pool.js';
import { createTranslator, loadDictionaries, type Locale } from '../src/i18n/translator.js';
import { isInvitationCodeLike } from '../src/officials/official-invitations.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { seedDatabase } from '../prisma/seed.js';
import { ideaAnswersVi, profileAnswersVi } from '../test/fixtures/producer-answers.js';
import { benchDatabaseUrl, median, percentile, resetBenchState } from './bench-env.js';

// The product-idea flow, turn by turn, in process: the pure conversation alone, and whole
// turns as a worker runs them (Postgres lock, session, facts, effects, outbox; no Redis,
// no HTTP). Then what an active session weighs in Postgres.

/** A first-time producer from "menu" to the idea's summary; submitting is the next line. */
const script = ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi];

export interface TurnFigures {
  pureTurnsPerSecond: number;
  pureTurnMicros: number;
  fullTurns: number;
  fullTurnsPerSecond: number;
  fullP50Ms: number;
  fullP99Ms: number;
  /** the same turns with the inbound worker's default concurrency: one producer per lane at a time */
  concurrent: { lanes: number; turnsPerSecond: number; p50Ms: number; p99Ms: number };
  sessionBytes: { step: string; median: number; max: number }[];
}

async function recordText(db: Database, userId: string, text: string, at: Date) {
  const payload = { app_id: 'bench-app', event_name: 'user_send_text', timestamp: String(at.getTime()), sender: { id: userId }, recipient: { id: 'oa-1' }, message: { msg_id: randomUUID(), text } };
  return db.inboundEvent.create({ data: { eventKey: `bench:${randomUUID()}`, eventName: 'user_send_text', userId, zaloTimestamp: at, receivedAt: at, payload } });
}

export async function benchConversationTurns(options: { producers: number; pureRounds: number; lanes: number }): Promise<TurnFigures> {
  await resetBenchState();
  const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: options.lanes + 2 });
  const sql = createSqlPool({ databaseUrl: benchDatabaseUrl, poolSize: options.lanes });
  await seedDatabase(db);
  const root = projectRoot();
  const dictionaries = loadDictionaries(join(root, 'locales'));
  const translate = createTranslator(dictionaries);
  const logger = createLogger({ level: 'silent' });
  const loaded = await loadConversation({ root, dictionaries, translate, db, publicBaseUrl: 'http://127.0.0.1:3000' });
  const now = new Date();
  try {
    // Pure: the router and engine only, state kept in memory, nothing stored.
    const noFacts = { profile: undefined, producerKind: undefined, ideas: [], revision: undefined };
    const engineFor = (locale: Locale) => buildEngineContext(loaded.setup, noFacts, locale, now);
    const options_ = { resumeAfterMs: 12 * 3600_000, revision: undefined, isInvitationCode: isInvitationCodeLike, commands: loaded.setup.commands };
    const rounds: number[] = [];
    for (let round = 0; round < options.pureRounds; round += 1) {
      const started = process.hrtime.bigint();
      let state: ConversationState | null = null;
      for (const text of script) state = converse(engineFor, { kind: 'text', text }, { state, updatedAt: now, locale: 'vi' }, options_).state;
      rounds.push(Number(process.hrtime.bigint() - started) / 1e3 / script.length);
    }
    const pureTurnMicros = median(rounds.slice(Math.floor(rounds.length / 5))); // after warm-up

    // Whole turns, one producer after another, as the inbound worker runs them.
    const deps = {
      db,
      translate,
      logger,
      metrics: createMetrics(),
      maxAttempts: 3,
      now: () => now,
      conversation: loaded.setup,
      actions: loaded.actions,
      loadFacts: loaded.loadFacts,
      resumeAfterMs: 12 * 3600_000,
      enqueueDocumentIntake: async () => undefined,
      // As the worker runs turns: plain `pg`, a connection per lane.
      sql,
    };
    // Producers stop at different questions, as active sessions do; a sixth reach the summary.
    const turnsOf = (p: number) => script.slice(0, Math.max(3, script.length - (p % 6) * 5));
    const runProducer = async (userId: string, texts: string[], into: number[]) => {
      for (const text of texts) {
        const row = await recordText(db, userId, text, now);
        const t0 = process.hrtime.bigint();
        await handleInboundEvent(deps, row.id, async () => undefined);
        into.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    const turnMs: number[] = [];
    const started = process.hrtime.bigint();
    for (let p = 0; p < options.producers; p += 1) await runProducer(`bench-producer-${p}`, turnsOf(p), turnMs);
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;

    // The same producers again as other people, `lanes` at a time, as the worker's
    // concurrency runs them (one person's turns stay in order within a lane).
    const laneMs: number[] = [];
    const laneStarted = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.lanes }, async () => {
        for (let p = next++; p < options.producers; p = next++) await runProducer(`bench-lane-producer-${p}`, turnsOf(p), laneMs);
      }),
    );
    const laneElapsedS = Number(process.hrtime.bigint() - laneStarted) / 1e9;

    // Sessions at rest where each producer stopped (the idea's summary is the heaviest).
    const sizes = await db.$queryRaw<{ step_id: string; bytes: number }[]>`SELECT step_id, pg_column_size(s.*)::int AS bytes FROM conversation_session s`;
    const byStep = new Map<string, number[]>();
    for (const { step_id, bytes } of sizes) byStep.set(step_id, [...(byStep.get(step_id) ?? []), bytes]);
    return {
      pureTurnsPerSecond: 1e6 / pureTurnMicros,
      pureTurnMicros,
      fullTurns: turnMs.length,
      fullTurnsPerSecond: turnMs.length / elapsedS,
      fullP50Ms: median(turnMs),
      fullP99Ms: percentile(turnMs, 99),
      concurrent: { lanes: options.lanes, turnsPerSecond: laneMs.length / laneElapsedS, p50Ms: median(laneMs), p99Ms: percentile(laneMs, 99) },
      sessionBytes: [{ step: 'all', median: median(sizes.map((s) => s.bytes)), max: Math.max(...sizes.map((s) => s.bytes)) }, ...[...byStep].map(([step, values]) => ({ step, median: median(values), max: Math.max(...values) }))],
    };
  } finally {
    await sql.end();
    await db.$disconnect();
  }
}
