import pg from 'pg';
import { testDatabaseUrl } from './test-env.js';
import { join } from 'node:path';
import { loadConversation, type LoadedConversation } from '../../src/bot/conversation-setup.js';
import type { InboundDeps } from '../../src/conversation/handle-inbound-event.js';
import type { Database } from '../../src/db/database.js';
import { createTranslator, loadDictionaries, type Translate } from '../../src/i18n/translator.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { capturedLogger } from './zalo-harness.js';

export const projectDir = join(import.meta.dirname, '../..');
export const dictionaries = loadDictionaries(join(projectDir, 'locales'));
export const translate: Translate = createTranslator(dictionaries);

/** The project's own flows, rule sets and communes, as the bot loads them. */
export function loadProjectConversation(db: Database, t: Translate = translate, flowsDir?: string): Promise<LoadedConversation> {
  return loadConversation({ root: projectDir, dictionaries, translate: t, db, publicBaseUrl: 'http://127.0.0.1:3000', ...(flowsDir ? { flowsDir } : {}) });
}

/** Plain `pg` connections for the turns, as the worker has them; released when idle, so a test file can end. */
let turnPool: pg.Pool | undefined;
function turnConnections(): pg.Pool {
  turnPool ??= new pg.Pool({ connectionString: testDatabaseUrl, max: 4, allowExitOnIdle: true, idleTimeoutMillis: 1000 });
  return turnPool;
}

/** Dependencies of the inbound handler over the real conversation, with a clock the test moves. */
export function inboundDeps(db: Database, conversation: LoadedConversation, clock: { now: Date }, overrides: Partial<InboundDeps> = {}): InboundDeps {
  return {
    db,
    translate,
    logger: capturedLogger().logger,
    metrics: createMetrics(),
    maxAttempts: 3,
    now: () => clock.now,
    conversation: conversation.setup,
    actions: conversation.actions,
    loadFacts: conversation.loadFacts,
    resumeAfterMs: 12 * 3600_000,
    enqueueDocumentIntake: async () => undefined,
    sql: turnConnections(),
    ...overrides,
  };
}
