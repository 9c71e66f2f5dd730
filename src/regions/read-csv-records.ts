import type { CsvProblem } from './import-administrative-units.js';

// Reading CSV files officials export from spreadsheets: the list of communes, the
// certified products of a province.

export interface CsvRecord {
  /** The line the record starts on; a quoted field may carry it over several lines. */
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records. Blank lines are skipped, and so are lines of empty fields (",,,"),
 * which spreadsheets write for rows that were only formatted. A quote left open is a problem.
 */
export function readCsvRecords(text: string, delimiter: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let fieldStarted = false;

  const endRecord = (): void => {
    fields.push(field);
    if (fields.some((value) => value.trim() !== '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n' || (char === '\r' && text[i + 1] !== '\n')) line++;
        field += char;
      }
      continue;
    }
    if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (char === '\r' || char === '\n') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) problems.push({ line: recordLine, message: 'a quoted field is never closed' });
  else if (fieldStarted || fields.length > 0) endRecord();
  return { records, problems };
}
