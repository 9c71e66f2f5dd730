import { criteriaOf, type ScoringSheet } from './scoring-sheets.js';

// A scoring sheet as an Excel workbook, the way a provincial office types a decision's
// annex: four worksheets (the sheet's facts, its parts, one row per option of each
// criterion, the disqualification conditions). Written from a sheet as a template, and
// read back into the plain object the YAML file holds; the checks are the loader's.

const tabs = { facts: 'Phiếu', parts: 'Phần', options: 'Tiêu chí', conditions: 'Hồ sơ bị loại' } as const;
/** The facts rows: the key read back, and what it means for whoever types it. */
const factRows = [
  ['id', 'Mã phiếu (chữ thường, số, gạch nối)'],
  ['ruleSet', 'Bộ quy định (rules/rule-sets.yaml), ví dụ qd-26-2026'],
  ['productSets', 'Các bộ sản phẩm dùng phiếu này, cách nhau bằng dấu phẩy'],
  ['title', 'Tên phiếu như trong văn bản'],
  ['source', 'Nguồn: quyết định, phụ lục, số phiếu'],
  ['sample', 'yes nếu là phiếu mẫu để thử (không dùng khi chạy thật)'],
  ['minimums', 'Cách xét yêu cầu tối thiểu (dấu sao): average | everyMember | majority'],
  ['disqualification', 'Cách xét hồ sơ bị loại: anyMember | majority | everyMember'],
  ['judgingSource', 'Điều khoản quy định hai cách xét trên'],
] as const;
const optionHeadings = ['code', 'criterion', 'points', 'option', 'minimumFor'];

type Cell = string | number | boolean | null | undefined | { text?: string; result?: unknown; richText?: { text: string }[] };

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const cell = value as Exclude<Cell, string | number | boolean | null | undefined>;
    if (cell.richText) return cell.richText.map((r) => r.text).join('');
    if (cell.text !== undefined) return String(cell.text);
    if (cell.result !== undefined) return String(cell.result);
    return '';
  }
  return String(value);
}

/** A sheet as a workbook to fill in (or to check what was typed). */
export async function scoringSheetWorkbook(sheet: ScoringSheet): Promise<Uint8Array> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const facts = workbook.addWorksheet(tabs.facts);
  const values: Record<(typeof factRows)[number][0], string> = {
    id: sheet.id,
    ruleSet: sheet.ruleSet,
    productSets: sheet.productSets.join(', '),
    title: sheet.title,
    source: sheet.source,
    sample: sheet.sample ? 'yes' : 'no',
    minimums: sheet.judging.minimums,
    disqualification: sheet.judging.disqualification,
    judgingSource: sheet.judging.source,
  };
  for (const [key, meaning] of factRows) facts.addRow([key, values[key], meaning]);
  facts.columns = [{ width: 18 }, { width: 60 }, { width: 60 }];
  const parts = workbook.addWorksheet(tabs.parts);
  parts.addRow(['part', 'title', 'max']);
  for (const part of sheet.parts) parts.addRow([part.part, part.title, part.max]);
  const options = workbook.addWorksheet(tabs.options);
  options.addRow(optionHeadings);
  for (const criterion of criteriaOf(sheet)) {
    criterion.options.forEach((option, i) => options.addRow([criterion.code, i === 0 ? criterion.title : '', option.points, option.text, option.minimumFor ?? '']));
  }
  options.columns = [{ width: 8 }, { width: 40 }, { width: 8 }, { width: 60 }, { width: 12 }];
  const conditions = workbook.addWorksheet(tabs.conditions);
  conditions.addRow(['code', 'text']);
  for (const d of sheet.disqualifiedWhen) conditions.addRow([d.code, d.text]);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/**
 * Reads a workbook in that layout into the object a sheet's YAML file holds; what does not
 * fit the layout is named by worksheet and row. The values are checked by the loader.
 */
export async function readScoringSheetWorkbook(bytes: Uint8Array): Promise<{ ok: true; sheet: Record<string, unknown> } | { ok: false; problems: string[] }> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes.slice().buffer);
  } catch {
    return { ok: false, problems: ['the file is not an .xlsx workbook'] };
  }
  const problems: string[] = [];
  const rowsOf = (name: string): string[][] => {
    const worksheet = workbook.getWorksheet(name);
    if (!worksheet) {
      problems.push(`worksheet "${name}" is missing`);
      return [];
    }
    const rows: string[][] = [];
    worksheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let column = 1; column <= 6; column += 1) cells.push(text(row.getCell(column).value).trim());
      if (cells.some((c) => c !== '')) rows.push(cells);
    });
    return rows;
  };
  const number = (value: string, where: string): number | undefined => {
    const parsed = Number(value.replace(',', '.'));
    if (value === '' || !Number.isFinite(parsed)) {
      problems.push(`${where}: "${value}" is not a number`);
      return undefined;
    }
    return parsed;
  };

  const facts = new Map(rowsOf(tabs.facts).map((r) => [r[0] ?? '', r[1] ?? '']));
  const parts = rowsOf(tabs.parts).slice(1).map((r, i) => ({ part: r[0], title: r[1], max: number(r[2] ?? '', `${tabs.parts} row ${i + 2}`), criteria: [] as Record<string, unknown>[] }));
  let current: Record<string, unknown> & { options: Record<string, unknown>[] } = { options: [] };
  rowsOf(tabs.options).slice(1).forEach((r, i) => {
    const [code = '', title = '', points = '', option = '', minimumFor = ''] = r;
    const where = `${tabs.options} row ${i + 2}`;
    if (code !== current.code) {
      const part = parts.find((p) => p.part === code.slice(0, 1));
      if (!part) problems.push(`${where}: criterion ${code} is in no part of "${tabs.parts}"`);
      current = { code, title, options: [] };
      part?.criteria.push(current);
    }
    current.options.push({ points: number(points, where), text: option, ...(minimumFor !== '' ? { minimumFor: number(minimumFor, where) } : {}) });
  });
  const disqualifiedWhen = rowsOf(tabs.conditions).slice(1).map((r) => ({ code: r[0], text: r[1] }));
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    sheet: {
      id: facts.get('id'),
      ruleSet: facts.get('ruleSet'),
      productSets: (facts.get('productSets') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      title: facts.get('title'),
      source: facts.get('source'),
      sample: facts.get('sample') === 'yes',
      judging: { minimums: facts.get('minimums'), disqualification: facts.get('disqualification'), source: facts.get('judgingSource') },
      parts,
      disqualifiedWhen,
    },
  };
}
