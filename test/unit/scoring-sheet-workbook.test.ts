import { mkdtempSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { readScoringSheetWorkbook, scoringSheetWorkbook } from '../../src/ocop/scoring-sheet-workbook.js';
import { loadScoringSheets, parseScoringSheet } from '../../src/ocop/scoring-sheets.js';
import { runScoringSheetXlsx } from '../../tools/scoring-sheet-xlsx.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

// A province types a decision's sheet in Excel: the workbook a sheet is written as reads
// back as the same sheet, and a typed sheet that does not add up is refused, naming why.

const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const sampleFile = join(projectDir, 'rules', 'scoring-sheets-sample', 'qd-26-2026.yaml');
const sample = loadScoringSheets(join(projectDir, 'rules', 'scoring-sheets-sample'), ruleSets, { production: false }).byId('sample-qd-26-2026')!;

describe('scoring sheets as workbooks', () => {
  it('reads back the sheet it wrote', async () => {
    const read = await readScoringSheetWorkbook(await scoringSheetWorkbook(sample));
    if (!read.ok) throw new Error(read.problems.join('; '));
    const parsed = parseScoringSheet(read.sheet, ruleSets, { production: false });
    expect(parsed.problems).toEqual([]);
    expect(parsed.sheet).toEqual(sample);
  });

  it('turns a filled template into a checked YAML file, and refuses one whose points do not add up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sheet-xlsx-'));
    const template = join(dir, 'phieu.xlsx');
    expect(await runScoringSheetXlsx(['template', sampleFile, template], { ruleSets })).toMatchObject({ ok: true });
    const out = join(dir, 'phieu.yaml');
    expect(await runScoringSheetXlsx(['import', template, out], { ruleSets })).toMatchObject({ ok: true });
    expect(parseScoringSheet(parseYaml(readFileSync(out, 'utf8')), ruleSets, { production: false }).sheet).toEqual(sample);

    // An option typed with 12 points in a criterion of 10: part A no longer makes 40.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(template);
    workbook.getWorksheet('Tiêu chí')!.getRow(5).getCell(3).value = 12;
    workbook.getWorksheet('Tiêu chí')!.getRow(6).getCell(3).value = 'mười';
    const broken = join(dir, 'sai.xlsx');
    await writeFile(broken, new Uint8Array(await workbook.xlsx.writeBuffer()));
    const refused = await runScoringSheetXlsx(['import', broken, join(dir, 'sai.yaml')], { ruleSets });
    expect(refused.ok).toBe(false);
    expect(refused.text).toContain('Tiêu chí row 6: "mười" is not a number');
    workbook.getWorksheet('Tiêu chí')!.getRow(6).getCell(3).value = 0;
    await writeFile(broken, new Uint8Array(await workbook.xlsx.writeBuffer()));
    const again = await runScoringSheetXlsx(['import', broken, join(dir, 'sai.yaml')], { ruleSets });
    expect(again.text).toContain("part A's criteria add up to 42, not 40");
    expect(() => readFileSync(join(dir, 'sai.yaml'))).toThrow();
  });
});
