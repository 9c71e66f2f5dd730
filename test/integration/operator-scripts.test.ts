import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_DATABASE_URL } from '../../prisma/cli/database-url.js';
import { projectDir } from '../helpers/conversation-harness.js';
import { createDatabase } from '../../src/db/database.js';
import { loadSampleAdministrativeUnits, testDatabaseUrl } from '../helpers/test-env.js';

// The scripts an operator runs by hand: the same database as `npm run dev` by default,
// and a database problem said in one line, never as a stack trace.

const run = promisify(execFile);
const tsx = join(projectDir, 'node_modules', '.bin', 'tsx');

async function runScript(script: string, args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [join(projectDir, 'tools', script), ...args], { cwd: projectDir, env: { ...process.env, DATABASE_URL: databaseUrl } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const withDatabase = (name: string) => {
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return url.href;
};
const emptyDatabase = 'ocop_test_not_migrated';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  // A token names a province that has communes in the list.
  const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
  await loadSampleAdministrativeUnits(db);
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS ${emptyDatabase}`);
  await admin(`CREATE DATABASE ${emptyDatabase}`);
});

afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS ${emptyDatabase} WITH (FORCE)`);
});

describe('operator scripts', () => {
  it('default to the database of npm run dev', () => {
    expect(new URL(LOCAL_DATABASE_URL).pathname).toBe('/ocop_dev');
  });

  it('say in one line that the database does not exist, and how to make it', async () => {
    const result = await runScript('create-api-token.ts', ['--name', 'x', '--role', 'province', '--province', '75'], withDatabase('ocop_no_such_database'));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Database "ocop_no_such_database" at 127.0.0.1:5432 does not exist: start the bot once with "npm run dev", or create it with "npm run migrate:deploy" (DATABASE_URL chooses another).',
    ]);
  });

  it('say in one line that the database is not migrated', async () => {
    const result = await runScript('import-administrative-units.ts', ['whatever.csv'], withDatabase(emptyDatabase));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`Database "${emptyDatabase}" at 127.0.0.1:5432 has not been migrated: run "npm run migrate:deploy" first.`]);
  });

  it('say in one line that PostgreSQL cannot be reached', async () => {
    const result = await runScript('import-certified-products.ts', ['--province', '75', '--by', 'x', 'f.csv'], 'postgresql://postgres@127.0.0.1:1/ocop_dev');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['PostgreSQL cannot be reached for database "ocop_dev" at 127.0.0.1:1: is it running? (DATABASE_URL chooses another server)']);
  });

  it('run against a migrated database', async () => {
    const result = await runScript('create-api-token.ts', ['--name', `Thử ${Date.now()}`, '--role', 'province', '--province', '75'], testDatabaseUrl);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Token \d+ for "Thử \d+" \(province, province 75\):/);
  });

  it('make a province official the administrator, refuse any other role, list and revoke', async () => {
    const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
    try {
      const province = await db.official.create({ data: { name: 'Lê Thị Lan', role: 'province', provinceCode: '75' } });
      const commune = await db.official.create({ data: { name: 'Trần Văn Minh', role: 'commune', provinceCode: '75', communeCode: '26116' } });
      const granted = await runScript('grant-administrator.ts', ['--official', String(province.id)], testDatabaseUrl);
      expect(granted).toMatchObject({ code: 0, stderr: '' });
      expect(granted.stdout).toContain(`Lê Thị Lan (${province.id}, province 75) is an administrator`);
      expect((await runScript('grant-administrator.ts', ['--list'], testDatabaseUrl)).stdout).toContain(`${province.id}\tLê Thị Lan\tprovince 75`);
      const refused = await runScript('grant-administrator.ts', ['--official', String(commune.id)], testDatabaseUrl);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('only a province official can be the administrator');
      expect(await db.official.findUniqueOrThrow({ where: { id: commune.id } })).toMatchObject({ administrator: false });
      expect(await db.official.findUniqueOrThrow({ where: { id: province.id } })).toMatchObject({ administrator: true });
      expect((await runScript('grant-administrator.ts', ['--revoke', String(province.id)], testDatabaseUrl)).code).toBe(0);
      expect(await db.official.findUniqueOrThrow({ where: { id: province.id } })).toMatchObject({ administrator: false });
      expect((await runScript('grant-administrator.ts', [], testDatabaseUrl)).stderr).toContain('usage: npm run admin:administrator --');
    } finally {
      await db.$disconnect();
    }
  });
});
