import { pathToFileURL } from 'node:url';
import type { PrismaClient } from '../src/db/generated/client.js';
import { importAdministrativeUnits, readAdministrativeUnitsFile, type ImportSummary } from '../src/regions/import-administrative-units.js';
import { runDatabaseCommand } from '../tools/run-database-command.js';

// Fixed timestamps keep the seed deterministic: a re-run leaves every row exactly as
// the first run wrote it, whenever it happens.
const SEEDED_AT = new Date('2026-01-01T00:00:00.000Z');

// The two people of the local Zalo stand-in (tools/zalo-sim): a producer (chủ thể OCOP)
// and an official (cán bộ).
const DEMO_USERS = [
  { id: 'sim-user-producer', locale: 'vi' },
  { id: 'sim-user-official', locale: 'vi' },
] as const;

// A few real communes of several provinces, enough to search and register against; a
// deployment imports the full official list with `npm run units:import`.
const SAMPLE_UNITS_FILE = new URL('./data/administrative-units.sample.csv', import.meta.url);

/** Imports the sample communes; unchanged rows are not rewritten, so a re-run changes nothing. */
export async function seedAdministrativeUnits(prisma: PrismaClient): Promise<ImportSummary> {
  const parsed = await readAdministrativeUnitsFile(SAMPLE_UNITS_FILE);
  if (!parsed.ok) {
    const problems = parsed.problems.map((problem) => `line ${problem.line}: ${problem.message}`).join('; ');
    throw new Error(`${SAMPLE_UNITS_FILE.pathname}: ${problems}`);
  }
  return importAdministrativeUnits(prisma, parsed.units);
}

// Upserts only, so it is safe against a database that already has these rows, and puts
// the seeded fields back if someone changed them.
export async function seedDatabase(prisma: PrismaClient): Promise<void> {
  for (const user of DEMO_USERS) {
    await prisma.zaloUser.upsert({
      where: { id: user.id },
      create: { ...user, createdAt: SEEDED_AT, updatedAt: SEEDED_AT },
      update: { locale: user.locale, updatedAt: SEEDED_AT },
    });
  }
  await seedAdministrativeUnits(prisma);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDatabaseCommand(async (db) => {
    await seedDatabase(db);
    console.log(`Seeded ${DEMO_USERS.length} demo Zalo users and the sample communes.`);
    return 0;
  });
}
