import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { loadCommuneDirectory } from '../../src/regions/commune-directory.js';
import { importAdministrativeUnits, parseAdministrativeUnitsCsv, type AdministrativeUnitRecord } from '../../src/regions/import-administrative-units.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl } from '../helpers/test-env.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sampleFile = join(repoRoot, 'prisma/data/administrative-units.sample.csv');
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });

let sampleUnits: AdministrativeUnitRecord[];
let scratch: string;

beforeAll(async () => {
  const parsed = parseAdministrativeUnitsCsv(await readFile(sampleFile, 'utf8'));
  if (!parsed.ok) throw new Error(`the sample list does not parse: ${JSON.stringify(parsed.problems)}`);
  sampleUnits = parsed.units;
  scratch = await mkdtemp(join(tmpdir(), 'units-'));
});

afterAll(async () => {
  await db.$disconnect();
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => resetDatabase(db));

function tableRows() {
  return db.administrativeUnit.findMany({ orderBy: { communeCode: 'asc' } });
}

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

// The real `npm run units:import` entry point, against the test database.
function runImportCommand(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/import-administrative-units.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: testDatabaseUrl },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

describe('importing the list of administrative units', () => {
  it('inserts every unit the first time and changes nothing the second', async () => {
    const first = await loadSampleAdministrativeUnits(db);
    expect(first).toEqual({ inserted: sampleUnits.length, updated: 0, unchanged: 0, notInFile: [] });
    const afterFirst = await tableRows();
    expect(afterFirst).toHaveLength(sampleUnits.length);
    expect(afterFirst.find((row) => row.communeCode === '31078')).toMatchObject({
      communeName: 'Đặc khu Phú Quốc',
      provinceCode: '91',
      provinceName: 'Tỉnh An Giang',
    });

    const second = await loadSampleAdministrativeUnits(db);

    expect(second).toEqual({ inserted: 0, updated: 0, unchanged: sampleUnits.length, notInFile: [] });
    // Unchanged rows are not rewritten: their updated_at stays.
    expect(await tableRows()).toEqual(afterFirst);
  });

  it('updates a renamed unit and only that one', async () => {
    await importAdministrativeUnits(db, sampleUnits);
    const before = await tableRows();
    const renamed = sampleUnits.map((unit) => (unit.communeCode === '26116' ? { ...unit, communeName: 'Xã Tân Phú Mới' } : unit));

    const summary = await importAdministrativeUnits(db, renamed);

    expect(summary).toEqual({ inserted: 0, updated: 1, unchanged: sampleUnits.length - 1, notInFile: [] });
    const after = await tableRows();
    const row = after.find((unit) => unit.communeCode === '26116');
    expect(row?.communeName).toBe('Xã Tân Phú Mới');
    expect(after.filter((unit) => unit.communeCode !== '26116')).toEqual(before.filter((unit) => unit.communeCode !== '26116'));
  });

  it('keeps the units missing from the file and reports them', async () => {
    await importAdministrativeUnits(db, sampleUnits);
    const withoutTwo = sampleUnits.filter((unit) => unit.communeCode !== '00004' && unit.communeCode !== '31756');

    const summary = await importAdministrativeUnits(db, withoutTwo);

    expect(summary).toEqual({ inserted: 0, updated: 0, unchanged: withoutTwo.length, notInFile: ['00004', '31756'] });
    expect(await db.administrativeUnit.count()).toBe(sampleUnits.length);
  });

  it('writes nothing when the statement fails part way', async () => {
    await importAdministrativeUnits(db, sampleUnits.slice(0, 10));
    const before = await tableRows();
    const [unit] = sampleUnits.slice(20);
    if (!unit) throw new Error('the sample list is too short');

    // The same code twice cannot be written in one statement: the whole import fails.
    await expect(importAdministrativeUnits(db, [...sampleUnits.slice(10), unit])).rejects.toThrow(/cannot affect row a second time/);

    expect(await tableRows()).toEqual(before);
  });

  it('serves the imported units to the commune directory', async () => {
    await loadSampleAdministrativeUnits(db);

    const directory = await loadCommuneDirectory(db);

    expect(directory.searchCommunes('tan phu dong nai', 5)).toEqual({ communes: [directory.communeByCode('26116')], total: 1 });
    expect(directory.communeByCode('23272')?.label).toBe('Đặc khu Phú Quý, Lâm Đồng');
  });
});

describe('npm run units:import', () => {
  it('imports a file and prints a one-line summary', async () => {
    await importAdministrativeUnits(db, sampleUnits.slice(1));

    const run = await runImportCommand(sampleFile);

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${sampleFile}: ${sampleUnits.length} in the file; 1 inserted, 0 updated, ${sampleUnits.length - 1} unchanged; none missing from the file.`,
    ]);
  });

  it('lists the problems of a bad file, exits 1 and imports nothing', async () => {
    await importAdministrativeUnits(db, sampleUnits.slice(0, 5));
    const before = await tableRows();
    const badFile = join(scratch, 'bad.csv');
    await writeFile(
      badFile,
      [
        'Mã tỉnh,Tên tỉnh,Mã xã,Tên xã',
        '75,Tỉnh Đồng Nai,26116,Xã Tân Phú Mới',
        '75,Tỉnh Đồng Nai,2617,',
        '75,Tỉnh Đồng Nai,26116,Xã Tân Phú',
      ].join('\n'),
    );

    const run = await runImportCommand(badFile);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${badFile}: 2 problem(s), nothing imported`);
    expect(run.stderr).toContain('line 3: commune name is empty');
    expect(run.stderr).toContain('line 4: commune code 26116 is already on line 2');
    expect(await tableRows()).toEqual(before);
  });

  it('refuses a file that is not UTF-8', async () => {
    const latin1File = join(scratch, 'latin1.csv');
    await writeFile(latin1File, Buffer.from('province_code,province_name,commune_code,commune_name\n75,T\xecnh,26116,X\xe3\n', 'latin1'));

    const run = await runImportCommand(latin1File);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('line 1: the file is not UTF-8');
    expect(await db.administrativeUnit.count()).toBe(0);
  });
});
