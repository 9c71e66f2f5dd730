import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedAdministrativeUnits } from '../../prisma/seed.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import type { ImportSummary } from '../../src/regions/import-administrative-units.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocop_test';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A config for one test: its own queue prefix, so tests never see each other's jobs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: testRedisUrl,
    QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
    ZALO_APP_ID: 'test-app',
    ZALO_APP_SECRET: 'test-app-secret',
    ZALO_OA_SECRET_KEY: 'test-oa-secret',
    LOG_LEVEL: 'silent',
    PORT: '0',
    // Scans stored by tests stay out of the project folder.
    STORAGE_LOCAL_DIR: join(tmpdir(), 'ocop-test-documents'),
    ...overrides,
  });
}

/** Unique ids per test run, so rows of earlier runs never match. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * Empties every table. Test files run one at a time; a file that starts workers calls
 * this first so that a sweep never picks up rows another file left behind.
 */
export async function resetDatabase(db: { $executeRawUnsafe(sql: string): Promise<unknown> }): Promise<void> {
  await db.$executeRawUnsafe('TRUNCATE inbound_event, outbound_message, zalo_token, zalo_user, conversation_session, product_idea, producer, receipt_counter, official, api_token, administrative_unit, dossier, dossier_document, dossier_item_return, dossier_event, dossier_packet, packet_access, council, council_person, council_member, meeting, meeting_product, delivery, notification, notification_event, campaign_deadline, certified_product, evaluation_result, official_action, score_sheet, official_request, certificate, recognition_decision, zalo_upload_month RESTART IDENTITY CASCADE');
}

/**
 * Fills administrative_unit with the real communes of prisma/data/administrative-units.sample.csv.
 * Tests that need communes call it after resetDatabase.
 */
export function loadSampleAdministrativeUnits(db: Database): Promise<ImportSummary> {
  return seedAdministrativeUnits(db);
}
