import type { CsvRecord } from '../regions/read-csv-records.js';
import { readCertifiedProductRecords, readCertifiedProductsCsv, said, type ReadCertifiedProducts } from './certified-products.js';

// A province's list of certified products as the unit keeps it: CSV, or the .xlsx workbook
// the spreadsheet saves by default. Both become the same rows, checked by the same import.

/** An .xlsx file is a zip archive: it starts with "PK\x03\x04". */
const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** Reads the list from a CSV file or an .xlsx workbook (its first sheet), told apart by their bytes. */
export async function readCertifiedProductsFile(bytes: Uint8Array): Promise<ReadCertifiedProducts> {
  return isZip(bytes) ? readCertifiedProductsXlsx(bytes) : readCertifiedProductsCsv(bytes);
}

/** What one cell says, as the CSV would have it. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  // A date cell holds the day as written, stored as UTC midnight: its UTC date is that day (no time zone applies).
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    // Rich text, a hyperlink's text, or a formula's last result, as exceljs gives them.
    if ('richText' in value && Array.isArray(value.richText)) return value.richText.map((run: unknown) => (typeof run === 'object' && run !== null && 'text' in run ? String(run.text) : '')).join('');
    if ('result' in value) return cellText(value.result);
    if ('text' in value) return cellText(value.text);
  }
  return '';
}

async function readCertifiedProductsXlsx(bytes: Uint8Array): Promise<ReadCertifiedProducts> {
  // Loaded when first asked for, as for the exports: most starts never read a workbook.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs takes an ArrayBuffer: a copy of just these bytes (a Buffer may sit inside a larger pool).
    await workbook.xlsx.load(bytes.slice().buffer);
  } catch {
    return { ok: false, problems: [{ line: 1, ...said('notWorkbook') }] };
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { ok: false, problems: [{ line: 1, ...said('noSheet') }] };
  // Lines are the sheet's row numbers, as the official sees them; rows with no text are skipped, as blank CSV lines are.
  const records: CsvRecord[] = [];
  let width = 0;
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const fields: string[] = [];
    // A stray value right of the headings is not a column: only the heading line's width is read.
    const cells = records.length === 0 ? row.cellCount : width;
    for (let column = 1; column <= cells; column += 1) fields.push(cellText(row.getCell(column).value).trim());
    if (records.length === 0) {
      while (fields.length > 0 && fields.at(-1) === '') fields.pop();
      width = fields.length;
    }
    if (fields.some((field) => field !== '')) records.push({ line: row.number, fields });
  });
  // Every row is read as wide as the headings, so none has too many or too few fields.
  const read = readCertifiedProductRecords(records);
  return read.ok ? read : { ok: false, problems: read.problems };
}
