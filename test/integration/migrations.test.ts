import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../src/db/generated/client.js';
import { seedDatabase } from '../../prisma/seed.js';
import { testDatabaseUrl } from '../helpers/test-env.js';

// Runs the real `npm run migrate:deploy` entry point against a database of its own,
// created by the script itself and dropped at the end.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const migrationsDir = join(repoRoot, 'prisma/migrations');
const databaseName = `ocop_migtest_${randomBytes(4).toString('hex')}`;
const databaseUrl = withDatabase(testDatabaseUrl, databaseName);
const brokenMigration = '29991231235959_fails_on_purpose';

let scratch: string;
let db: pg.Client;

function withDatabase(url: string, database: string): string {
  const target = new URL(url);
  target.pathname = `/${database}`;
  return target.href;
}

interface Run {
  exitCode: number | null;
  output: string;
}

function migrateDeploy(...prismaArgs: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'prisma/cli/migrate-deploy.ts', ...prismaArgs], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode, output }));
  });
}

async function rows(sql: string, values: unknown[] = []): Promise<unknown[]> {
  return (await db.query(sql, values)).rows;
}

// Everything migrations own, so "nothing changed" can be asserted on one value.
async function schemaSnapshot(): Promise<unknown[]> {
  return rows(`
    SELECT table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT tablename, indexname, indexdef, NULL, NULL FROM pg_indexes WHERE schemaname = 'public'
    ORDER BY 1, 2`);
}

async function migrationLedger(): Promise<unknown[]> {
  return rows(`
    SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, applied_steps_count
    FROM _prisma_migrations ORDER BY migration_name`);
}

async function tableExists(name: string): Promise<boolean> {
  const { rows: [row] } = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [name]);
  return row?.found === true;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'migtest-'));
});

afterAll(async () => {
  await db?.end();
  const admin = new pg.Client({ connectionString: withDatabase(testDatabaseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(databaseName)} WITH (FORCE)`);
  await admin.end();
  await rm(scratch, { recursive: true, force: true });
});

describe('migrate:deploy', () => {
  it('creates a missing database and applies every migration', async () => {
    const run = await migrateDeploy();

    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('All migrations have been successfully applied.');
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (const table of ['inbound_event', 'outbound_message', 'zalo_token', 'zalo_user']) {
      expect(await tableExists(table), table).toBe(true);
    }
    const committed = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const applied = await rows('SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY 1');
    expect(applied).toEqual(committed.map((name) => ({ migration_name: name, finished: true })));
  });

  it('changes nothing when run again', async () => {
    const schemaBefore = await schemaSnapshot();
    const ledgerBefore = await migrationLedger();

    const run = await migrateDeploy();

    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('No pending migrations to apply.');
    expect(await schemaSnapshot()).toEqual(schemaBefore);
    expect(await migrationLedger()).toEqual(ledgerBefore);
  });

  it('rolls a failing migration back completely and exits non-zero', async () => {
    // A copy of prisma/ with one more migration that creates a table and a function, then fails.
    const prismaCopy = join(scratch, 'prisma');
    await mkdir(prismaCopy);
    await cp(join(repoRoot, 'prisma/schema.prisma'), join(prismaCopy, 'schema.prisma'));
    await cp(migrationsDir, join(prismaCopy, 'migrations'), { recursive: true });
    await mkdir(join(prismaCopy, 'migrations', brokenMigration));
    await writeFile(
      join(prismaCopy, 'migrations', brokenMigration, 'migration.sql'),
      `CREATE TABLE "half_created" ("id" INTEGER PRIMARY KEY);
CREATE FUNCTION half_created_fn() RETURNS INTEGER AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
INSERT INTO "zalo_user" ("id", "updated_at") VALUES ('half-created-user', now());
SELECT 1 / 0;
`,
    );
    const schemaBefore = await schemaSnapshot();

    const run = await migrateDeploy('--schema', join(prismaCopy, 'schema.prisma'));

    expect(run.exitCode, run.output).not.toBe(0);
    expect(run.output).toContain('division by zero');
    expect(await tableExists('half_created')).toBe(false);
    expect(await rows(`SELECT 1 FROM pg_proc WHERE proname = 'half_created_fn'`)).toEqual([]);
    expect(await rows(`SELECT 1 FROM zalo_user WHERE id = 'half-created-user'`)).toEqual([]);
    expect(await schemaSnapshot()).toEqual(schemaBefore);
    // Recorded as failed, not applied: Prisma refuses further deploys until it is resolved.
    expect(
      await rows('SELECT finished_at, rolled_back_at FROM _prisma_migrations WHERE migration_name = $1', [brokenMigration]),
    ).toEqual([{ finished_at: null, rolled_back_at: null }]);
  });

  it('deploys again once the failed migration is marked rolled back', async () => {
    // `prisma migrate resolve --rolled-back` needs the native engine; this is what it writes.
    await db.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1`, [brokenMigration]);

    const run = await migrateDeploy();

    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('No pending migrations to apply.');
  });
});

describe('db:seed', () => {
  it('writes the same rows every time it runs', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    try {
      await seedDatabase(prisma);
      const first = await rows('SELECT * FROM zalo_user ORDER BY id');
      await seedDatabase(prisma);
      const second = await rows('SELECT * FROM zalo_user ORDER BY id');

      expect(second).toEqual(first);
      expect(second).toMatchObject([
        { id: 'sim-user-official', locale: 'vi' },
        { id: 'sim-user-producer', locale: 'vi' },
      ]);
    } finally {
      await prisma.$disconnect();
    }
  });
});
