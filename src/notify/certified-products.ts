import { readCsvRecords, type CsvRecord } from '../regions/read-csv-records.js';
import { daysInMonth, isCalendarDate, makeCalendarDate, partsOf, vietnamDateOf, vietnamInstant, type CalendarDate } from '../calendar/calendar-date.js';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import { answerValidators } from '../text/validators.js';
import type { Database, Transaction } from '../db/database.js';
import type { CertifiedProduct } from '../db/generated/client.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';

// Products certified before this system (or outside it), imported by the province OCOP unit
// from its own lists so that expiry and re-ranking notices work from day one. An import is
// all or nothing: one bad row and nothing is written, every problem named with its line.

/** One row as the file or the JSON body has it: text, checked by the import. */
export interface CertifiedProductRow {
  /** the line in the file, or the row's position from 1 */
  line: number;
  productName: string;
  producerName: string;
  producerPhone?: string | null | undefined;
  communeCode: string;
  stars: string | number;
  certificateNumber?: string | null | undefined;
  certifiedOn: string;
  expiresOn?: string | null | undefined;
  ruleSet?: string | null | undefined;
}

export interface RowProblem {
  line: number;
  message: string;
}

export interface CertifiedImportSummary {
  created: number;
  updated: number;
  unchanged: number;
}

export type ReadCertifiedProducts = { ok: true; rows: CertifiedProductRow[] } | { ok: false; problems: RowProblem[] };
export type CertifiedImportOutcome = { ok: true; summary: CertifiedImportSummary } | { ok: false; problems: RowProblem[] };

type Column = Exclude<keyof CertifiedProductRow, 'line'>;

const columnLabels: Record<Column, string> = {
  productName: 'product',
  producerName: 'producer',
  producerPhone: 'phone',
  communeCode: 'commune_code',
  stars: 'stars',
  certificateNumber: 'certificate_number',
  certifiedOn: 'certified_on',
  expiresOn: 'expires_on',
  ruleSet: 'rule_set',
};

// Headings as match keys, so "Tên sản phẩm", "TÊN SẢN PHẨM" and "ten_san_pham" name one column.
const headingAliases: Record<Column, readonly string[]> = {
  productName: ['product', 'product name', 'ten san pham', 'san pham'],
  producerName: ['producer', 'producer name', 'chu the', 'ten chu the'],
  producerPhone: ['phone', 'producer phone', 'so dien thoai', 'dien thoai', 'sdt'],
  communeCode: ['commune code', 'ma xa', 'ma phuong xa', 'ma xa phuong'],
  stars: ['stars', 'so sao', 'hang sao'],
  certificateNumber: ['certificate number', 'so giay chung nhan', 'so gcn'],
  certifiedOn: ['certified on', 'ngay chung nhan', 'ngay cap'],
  expiresOn: ['expires on', 'ngay het han'],
  ruleSet: ['rule set', 'bo tieu chi'],
};

const optionalColumns: readonly Column[] = ['producerPhone', 'certificateNumber', 'expiresOn', 'ruleSet'];

// The list separator of the spreadsheet's locale: a comma, or a semicolon where the comma
// is the decimal mark (as in Vietnamese), or a tab.
const delimiters = [',', ';', '\t'] as const;

/** A province's whole list fits: the largest have a few thousand certified products. */
export const maxImportRows = 10_000;

const maxNameLength = 300;
const maxCertificateNumberLength = 100;

// The chat's validators name a locale key for the producer; an import report says it in a few words.
const validatorReasons: Record<string, string> = {
  'validation.phone.format': 'is not a phone number',
  'validation.phone.mobileLength': 'is not 10 digits, as a mobile number is',
  'validation.phone.landlineLength': 'is not 11 digits, as a landline number with its area code is',
  'validation.phone.oldPrefix': 'is an 11-digit 01x number, renumbered in 2018',
  'validation.phone.notVietnamese': 'is not a Vietnamese number',
  'validation.date.format': 'is not a date (dd/mm/yyyy or yyyy-mm-dd)',
  'validation.date.notReal': 'is not a real date',
  'validation.date.inFuture': 'is after today',
};

type Positions = Partial<Record<Column, number>>;

function mapHeadings(header: CsvRecord): { ok: true; positions: Positions } | { ok: false; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const positions: Positions = {};
  for (const column of Object.keys(columnLabels) as Column[]) {
    const matches = header.fields.flatMap((heading, position) => (headingAliases[column].includes(toMatchKey(heading)) ? [{ heading, position }] : []));
    const [first, second] = matches;
    if (second) problems.push({ line: header.line, message: `columns "${first?.heading}" and "${second.heading}" both hold the ${columnLabels[column]}` });
    else if (first) positions[column] = first.position;
    else if (!optionalColumns.includes(column)) problems.push({ line: header.line, message: `no ${columnLabels[column]} column` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, positions };
}

/**
 * Reads the list as CSV, UTF-8 with or without a BOM: a heading line (English or Vietnamese,
 * any case, with or without diacritics; other columns are ignored), then one certificate per line.
 */
export function readCertifiedProductsCsv(bytes: Uint8Array): ReadCertifiedProducts {
  let text: string;
  try {
    // The decoder drops a leading BOM, which "CSV UTF-8" from a spreadsheet starts with.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ line: 1, message: 'the file is not UTF-8: save it as "CSV UTF-8"' }] };
  }
  // Without a delimiter that finds every column, the one that finds most says what is missing.
  let closest: RowProblem[] | undefined;
  for (const delimiter of delimiters) {
    const { records, problems: unclosed } = readCsvRecords(text, delimiter);
    const [header, ...lines] = records;
    if (!header) return { ok: false, problems: [{ line: 1, message: 'the file is empty: a heading line is required' }] };
    const headings = mapHeadings(header);
    if (!headings.ok) {
      if (!closest || headings.problems.length < closest.length) closest = headings.problems;
      continue;
    }
    const problems: RowProblem[] = [...unclosed];
    const rows: CertifiedProductRow[] = [];
    for (const record of lines) {
      if (record.fields.length !== header.fields.length) {
        problems.push({ line: record.line, message: `${record.fields.length} fields where the heading line has ${header.fields.length}: quote a field that holds a "${delimiter}"` });
        continue;
      }
      const cell = (column: Column) => {
        const position = headings.positions[column];
        return position === undefined ? undefined : record.fields[position];
      };
      rows.push({
        line: record.line,
        productName: cell('productName') ?? '',
        producerName: cell('producerName') ?? '',
        producerPhone: cell('producerPhone'),
        communeCode: cell('communeCode') ?? '',
        stars: cell('stars') ?? '',
        certificateNumber: cell('certificateNumber'),
        certifiedOn: cell('certifiedOn') ?? '',
        expiresOn: cell('expiresOn'),
        ruleSet: cell('ruleSet'),
      });
    }
    if (problems.length === 0 && rows.length === 0) problems.push({ line: header.line, message: 'no certificates after the heading line' });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
  }
  return { ok: false, problems: closest ?? [] };
}

/** The same day `months` later; a day the month lacks becomes its last (29/02 + 36 months → 28/02). */
function addMonths(date: CalendarDate, months: number): CalendarDate {
  const { year, month, day } = partsOf(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return makeCalendarDate(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

/** What a certificate row stores, before its producer is looked up. */
type CertifiedValues = Pick<CertifiedProduct, 'productName' | 'producerName' | 'producerPhone' | 'communeCode' | 'stars' | 'certificateNumber' | 'certifiedOn' | 'expiresOn' | 'ruleSet'>;

interface CheckedRow {
  line: number;
  values: CertifiedValues;
}

/** NFC with its spaces collapsed; an empty cell is an absent value. */
function present(value: string | null | undefined): string | undefined {
  const text = value === null || value === undefined ? '' : toNfc(value).replace(/\s+/gu, ' ').trim();
  return text === '' ? undefined : text;
}

/** yyyy-mm-dd, or a date as the chat reads one (dd/mm/yyyy). */
function readDate(text: string, what: string, now: Date, problems: string[]): CalendarDate | undefined {
  if (isCalendarDate(text)) return text;
  const checked = answerValidators.date.validate(text, {}, { now });
  if (checked.ok && typeof checked.value === 'string' && isCalendarDate(checked.value)) return checked.value;
  problems.push(`${what} "${text}" ${checked.ok ? 'is not a date' : (validatorReasons[checked.hintKey] ?? 'is not a date')}`);
  return undefined;
}

function readStars(value: string | number, problems: string[]): number | undefined {
  // "4", "4 sao" and "4★" are all written in the lists.
  const match = /^(\d+)\s*(?:sao|★)?$/iu.exec(toNfc(String(value)).trim());
  const stars = match ? Number(match[1]) : Number.NaN;
  if (stars >= 3 && stars <= 5) return stars;
  problems.push(`stars "${value}": a certificate has 3, 4 or 5 stars`);
  return undefined;
}

function readName(value: string, what: string, problems: string[]): string | undefined {
  const text = present(value);
  if (text === undefined) problems.push(`the ${what} is empty`);
  else if (text.length > maxNameLength) problems.push(`the ${what} is longer than ${maxNameLength} characters`);
  else return text;
  return undefined;
}

function readRuleSet(named: string | undefined, certifiedOn: CalendarDate | undefined, ruleSets: readonly RuleSet[], problems: string[]): RuleSet | undefined {
  if (named !== undefined) {
    const ruleSet = ruleSets.find((candidate) => candidate.id === named);
    if (!ruleSet) problems.push(`rule set "${named}" is not one of ${ruleSets.map((candidate) => candidate.id).join(', ')}`);
    return ruleSet;
  }
  if (certifiedOn === undefined) return undefined;
  // Noon in Vietnam, so the rule set is the one of the certification's own date.
  const inForce = ruleSetInForce(ruleSets, vietnamInstant(certifiedOn, '12:00'));
  if (!inForce) problems.push(`no rule set known here was in force on ${certifiedOn}: name one in the rule_set column`);
  return inForce;
}

interface RowCheck {
  problems: string[];
  /** when the row is valid as far as it can be checked without the database */
  values?: CertifiedValues;
  /** when well formed, to check against the units even if something else in the row is wrong */
  communeCode?: string;
}

/** Everything a row says that needs no database; its commune is checked against the units later. */
function checkRow(row: CertifiedProductRow, ruleSets: readonly RuleSet[], now: Date): RowCheck {
  const problems: string[] = [];
  const productName = readName(row.productName, 'product name', problems);
  const producerName = readName(row.producerName, 'producer name', problems);

  const phoneText = present(row.producerPhone);
  let producerPhone: string | null = null;
  if (phoneText !== undefined) {
    const phone = answerValidators.phone.validate(phoneText, {}, { now });
    if (phone.ok && typeof phone.value === 'string') producerPhone = phone.value;
    else problems.push(`phone "${phoneText}" ${phone.ok ? 'is not a phone number' : (validatorReasons[phone.hintKey] ?? 'is not a phone number')}`);
  }

  // Spreadsheets turn "01234" into the number 1234: shorter digit strings get their zeros back.
  const communeText = present(row.communeCode) ?? '';
  const communeCode = /^\d{1,5}$/.test(communeText) ? communeText.padStart(5, '0') : undefined;
  if (communeCode === undefined) problems.push(`commune code "${communeText}" is not 5 digits`);

  const stars = readStars(row.stars, problems);

  const certificateNumber = present(row.certificateNumber) ?? null;
  if (certificateNumber !== null && certificateNumber.length > maxCertificateNumberLength) problems.push(`the certificate number is longer than ${maxCertificateNumberLength} characters`);

  const certifiedText = present(row.certifiedOn);
  const certifiedOn = certifiedText === undefined ? undefined : readDate(certifiedText, 'certified on', now, problems);
  if (certifiedText === undefined) problems.push('the certification date is empty');
  const today = vietnamDateOf(now);
  if (certifiedOn !== undefined && certifiedOn > today) problems.push(`certified on ${certifiedOn} is after today (${today})`);

  const ruleSet = readRuleSet(present(row.ruleSet), certifiedOn, ruleSets, problems);

  const expiresText = present(row.expiresOn);
  let expiresOn: CalendarDate | undefined;
  if (expiresText !== undefined) {
    expiresOn = readDate(expiresText, 'expires on', now, problems);
    if (expiresOn !== undefined && certifiedOn !== undefined && expiresOn <= certifiedOn) problems.push(`expires on ${expiresOn} is not after certified on ${certifiedOn}`);
  } else if (certifiedOn !== undefined && ruleSet) {
    expiresOn = addMonths(certifiedOn, ruleSet.certificate.validMonths);
  }

  if (problems.length > 0 || !productName || !producerName || !communeCode || stars === undefined || !certifiedOn || !expiresOn || !ruleSet) return { problems, ...(communeCode ? { communeCode } : {}) };
  return { problems, communeCode, values: { productName, producerName, producerPhone, communeCode, stars, certificateNumber, certifiedOn, expiresOn, ruleSet: ruleSet.id } };
}

const keyOf = (values: Pick<CertifiedValues, 'productName' | 'producerName' | 'certifiedOn'>) => JSON.stringify([values.productName, values.producerName, values.certifiedOn]);

/** Checks the rows' communes against the administrative units: each exists and lies in the province. */
async function checkCommunes(tx: Transaction, rows: readonly { line: number; communeCode: string }[], provinceCode: string): Promise<RowProblem[]> {
  const units = await tx.administrativeUnit.findMany({ where: { communeCode: { in: [...new Set(rows.map((row) => row.communeCode))] } }, select: { communeCode: true, provinceCode: true } });
  const provinceOf = new Map(units.map((unit) => [unit.communeCode, unit.provinceCode]));
  return rows.flatMap(({ line, communeCode }) => {
    const province = provinceOf.get(communeCode);
    if (province === undefined) return [{ line, message: `commune ${communeCode} is not in the list of administrative units` }];
    if (province !== provinceCode) return [{ line, message: `commune ${communeCode} is in province ${province}, not ${provinceCode}` }];
    return [];
  });
}

function findRepeats(rows: readonly CheckedRow[]): RowProblem[] {
  const firstLine = new Map<string, number>();
  return rows.flatMap(({ line, values }) => {
    const earlier = firstLine.get(keyOf(values));
    if (earlier !== undefined) return [{ line, message: `the same product, producer and certification date as line ${earlier}` }];
    firstLine.set(keyOf(values), line);
    return [];
  });
}

/** The producer whose profile has this phone; a phone several profiles share names none of them. */
async function producersByPhone(tx: Transaction, phones: readonly string[]): Promise<Map<string, bigint>> {
  const producers = await tx.producer.findMany({ where: { phone: { in: [...new Set(phones)] } }, select: { id: true, phone: true } });
  const byPhone = new Map<string, bigint[]>();
  for (const producer of producers) byPhone.set(producer.phone, [...(byPhone.get(producer.phone) ?? []), producer.id]);
  return new Map([...byPhone].flatMap(([phone, ids]) => (ids.length === 1 && ids[0] !== undefined ? [[phone, ids[0]] as const] : [])));
}

const comparedFields = ['communeCode', 'producerPhone', 'producerId', 'stars', 'certificateNumber', 'expiresOn', 'ruleSet'] as const;

// A province's list of a few thousand rows is written in one transaction; the default 5 s is too short.
const importTimeoutMs = 120_000;

/**
 * Imports a province's certified products. Rows are matched on province, product, producer
 * and certification date: a match is updated when something differs, left alone otherwise.
 * Any invalid row imports nothing, and every problem comes back with its line.
 */
export async function importCertifiedProducts(
  db: Database,
  input: { provinceCode: string; importedBy: string; rows: readonly CertifiedProductRow[]; ruleSets: readonly RuleSet[]; now: Date },
): Promise<CertifiedImportOutcome> {
  if (input.rows.length > maxImportRows) return { ok: false, problems: [{ line: 1, message: `${input.rows.length} rows: import at most ${maxImportRows} at a time` }] };
  const checks = input.rows.map((row) => ({ line: row.line, ...checkRow(row, input.ruleSets, input.now) }));
  const problems: RowProblem[] = checks.flatMap(({ line, problems: messages }) => messages.map((message) => ({ line, message })));
  const checked: CheckedRow[] = checks.flatMap(({ line, values }) => (values ? [{ line, values }] : []));
  const communes = checks.flatMap(({ line, communeCode }) => (communeCode ? [{ line, communeCode }] : []));
  if (input.rows.length === 0) problems.push({ line: 1, message: 'no certificates to import' });
  return db.$transaction(
    async (tx): Promise<CertifiedImportOutcome> => {
      problems.push(...(await checkCommunes(tx, communes, input.provinceCode)), ...findRepeats(checked));
      if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
      // Two imports of one province at once would both create the same rows.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`certified_product:${input.provinceCode}`}))`;
      const producerOf = await producersByPhone(tx, checked.flatMap(({ values }) => (values.producerPhone === null ? [] : [values.producerPhone])));
      const existing = await tx.certifiedProduct.findMany({ where: { provinceCode: input.provinceCode, productName: { in: [...new Set(checked.map(({ values }) => values.productName))] } } });
      const existingByKey = new Map(existing.map((product) => [keyOf(product), product]));
      const created: Omit<CertifiedProduct, 'id' | 'updatedAt'>[] = [];
      let updated = 0;
      for (const { values } of checked) {
        const row = { ...values, producerId: (values.producerPhone === null ? undefined : producerOf.get(values.producerPhone)) ?? null };
        const current = existingByKey.get(keyOf(values));
        if (!current) created.push({ ...row, provinceCode: input.provinceCode, importedBy: input.importedBy, createdAt: input.now });
        else if (comparedFields.some((field) => current[field] !== row[field])) {
          await tx.certifiedProduct.update({ where: { id: current.id }, data: { ...row, importedBy: input.importedBy } });
          updated += 1;
        }
      }
      await tx.certifiedProduct.createMany({ data: created });
      return { ok: true, summary: { created: created.length, updated, unchanged: checked.length - created.length - updated } };
    },
    { timeout: importTimeoutMs },
  );
}
