import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { projectRoot } from '../src/config/project-root.js';
import { loadDictionaries } from '../src/i18n/translator.js';
import { loadRuleSets, type RuleSet } from '../src/ocop/rule-sets.js';
import { readScoringSheetWorkbook, scoringSheetWorkbook } from '../src/ocop/scoring-sheet-workbook.js';
import { parseScoringSheet } from '../src/ocop/scoring-sheets.js';

// The scoring sheets are typed from the decision's published text, in Excel as a
// provincial office works:
//   npm run sheets:xlsx -- template <sheet.yaml> <out.xlsx>   a sheet as a workbook to fill in
//   npm run sheets:xlsx -- import <in.xlsx> <out.yaml>        a filled workbook, checked as the
//                                                               service checks it at start, as YAML
// A workbook with any problem writes nothing and names every problem.

const usage = 'usage: npm run sheets:xlsx -- template <sheet.yaml> <out.xlsx>\n       npm run sheets:xlsx -- import <in.xlsx> <out.yaml>';

export async function runScoringSheetXlsx(argv: string[], options: { ruleSets: readonly RuleSet[] }): Promise<{ ok: boolean; text: string }> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [command, from, to, ...rest] = positionals;
  if (!from || !to || rest.length > 0 || (command !== 'template' && command !== 'import')) return { ok: false, text: usage };
  if (command === 'template') {
    const parsed = parseScoringSheet(parseYaml(await readFile(from, 'utf8')), options.ruleSets, { production: false });
    if (!parsed.sheet || parsed.problems.length > 0) return { ok: false, text: [`${from}: not a sheet to start from`, ...parsed.problems.map((p) => `  ${p}`)].join('\n') };
    await writeFile(to, await scoringSheetWorkbook(parsed.sheet));
    return { ok: true, text: `${to}: the sheet ${parsed.sheet.id} as a workbook to fill in` };
  }
  const read = await readScoringSheetWorkbook(await readFile(from));
  const problems = read.ok ? parseScoringSheet(read.sheet, options.ruleSets, { production: false }).problems : read.problems;
  if (!read.ok || problems.length > 0) return { ok: false, text: [`${from}: ${problems.length} problem(s), nothing written`, ...problems.map((p) => `  ${p}`)].join('\n') };
  await writeFile(to, `# Typed from ${from}; checked as the service checks it at start.\n${stringify(read.sheet, { lineWidth: 0 })}`);
  return { ok: true, text: `${to}: written and checked` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = projectRoot();
  const ruleSets = loadRuleSets(join(root, 'rules', 'rule-sets.yaml'), loadDictionaries(join(root, 'locales')));
  const result = await runScoringSheetXlsx(process.argv.slice(2), { ruleSets });
  (result.ok ? console.log : console.error)(result.text);
  process.exitCode = result.ok ? 0 : 1;
}
