import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/config/project-root.js';
import type { Database } from '../src/db/database.js';
import { loadDictionaries } from '../src/i18n/translator.js';
import { importCertifiedProducts, type RowProblem } from '../src/notify/certified-products.js';
import { readCertifiedProductsFile } from '../src/notify/certified-products-file.js';
import { loadRuleSets, type RuleSet } from '../src/ocop/rule-sets.js';
import { runDatabaseCommand } from './run-database-command.js';

// `npm run certified:import -- --province 01 --by "Sở NN&MT Hà Nội" file.csv` (or .xlsx): loads a
// province's certified products so that their expiry and re-ranking notices work. A file
// with any problem imports nothing.

const usage =
  'usage: npm run certified:import -- --province <2 digits> --by <who imports> <file.csv or file.xlsx>\n' +
  '  (columns: product, producer, phone?, commune_code, stars, certificate_number?, certified_on, expires_on?, rule_set?; or their Vietnamese headings)';

function describeProblems(file: string, problems: RowProblem[]): string {
  return [`${file}: ${problems.length} problem(s), nothing imported`, ...problems.map((problem) => `  line ${problem.line}: ${problem.message}`)].join('\n');
}

/** Runs the command; `ok` false is exit code 1, with `text` for stderr. */
export async function runImportCertifiedProducts(db: Database, argv: string[], options: { ruleSets: readonly RuleSet[]; now: Date }): Promise<{ ok: boolean; text: string }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { province: { type: 'string' }, by: { type: 'string' } } });
  } catch (error) {
    return { ok: false, text: `${error instanceof Error ? error.message : String(error)}\n${usage}` };
  }
  const { values, positionals } = parsed;
  const importedBy = values.by?.normalize('NFC').trim();
  const [file, ...rest] = positionals;
  if (!values.province || !/^\d{2}$/.test(values.province) || !importedBy || file === undefined || rest.length > 0) return { ok: false, text: usage };
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return { ok: false, text: `${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const read = await readCertifiedProductsFile(bytes);
  if (!read.ok) return { ok: false, text: describeProblems(file, read.problems) };
  const outcome = await importCertifiedProducts(db, { provinceCode: values.province, importedBy, rows: read.rows, ruleSets: options.ruleSets, now: options.now });
  if (!outcome.ok) return { ok: false, text: describeProblems(file, outcome.problems) };
  const { created, updated, unchanged } = outcome.summary;
  const changed = created + updated === 0 ? ' Nothing changed: every certificate was already imported as it is.' : '';
  return { ok: true, text: `${file}: ${read.rows.length} certificates; ${created} created, ${updated} updated, ${unchanged} unchanged.${changed}` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = projectRoot();
  const ruleSets = loadRuleSets(join(root, 'rules', 'rule-sets.yaml'), loadDictionaries(join(root, 'locales')));
  await runDatabaseCommand(async (db, now) => {
    const result = await runImportCertifiedProducts(db, process.argv.slice(2), { ruleSets, now });
    if (result.ok) console.log(result.text);
    else console.error(result.text);
    return result.ok ? 0 : 1;
  });
}
