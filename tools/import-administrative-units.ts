import { pathToFileURL } from 'node:url';
import type { Database } from '../src/db/database.js';
import { importAdministrativeUnits, readAdministrativeUnitsFile, type ImportSummary, type ParsedAdministrativeUnits } from '../src/regions/import-administrative-units.js';
import { runDatabaseCommand } from './run-database-command.js';

// `npm run units:import -- path/to/file.csv`: loads the official list of communes into
// administrative_unit. A file with any problem imports nothing.

const usage = 'usage: npm run units:import -- <file.csv>   (columns: province_code,province_name,commune_code,commune_name)';
const LISTED_MISSING_CODES = 10;

function describeImport(file: string, units: number, summary: ImportSummary): string {
  const missing = summary.notInFile;
  const listed = missing.slice(0, LISTED_MISSING_CODES).join(', ') + (missing.length > LISTED_MISSING_CODES ? ', …' : '');
  return (
    `${file}: ${units} in the file; ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged; ` +
    (missing.length === 0 ? 'none missing from the file.' : `${missing.length} in the table but not in the file, kept: ${listed}`)
  );
}

/** Runs the command; returns the exit code. */
async function runImportAdministrativeUnits(db: Database, argv: string[]): Promise<number> {
  const [file, ...rest] = argv;
  if (file === undefined || rest.length > 0) {
    console.error(usage);
    return 1;
  }
  let parsed: ParsedAdministrativeUnits;
  try {
    parsed = await readAdministrativeUnitsFile(file);
  } catch (error) {
    console.error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (!parsed.ok) {
    console.error(`${file}: ${parsed.problems.length} problem(s), nothing imported`);
    for (const problem of parsed.problems) console.error(`  line ${problem.line}: ${problem.message}`);
    return 1;
  }
  const summary = await importAdministrativeUnits(db, parsed.units);
  console.log(describeImport(file, parsed.units.length, summary));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDatabaseCommand((db) => runImportAdministrativeUnits(db, process.argv.slice(2)));
}
