import { readCsvRecords, type CsvRecord } from '../regions/read-csv-records.js';
import { addDays, addMonths, daysInMonth, isCalendarDate, makeCalendarDate, partsOf, vietnamDateOf, vietnamInstant, type CalendarDate } from '../calendar/calendar-date.js';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import { answerValidators } from '../text/validators.js';
import type { Database, Transaction } from '../db/database.js';
import type { CertifiedProduct, Prisma } from '../db/generated/client.js';
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

/**
 * What is wrong with a file or one of its rows: a code and its values, which a page words
 * in its reader's language (locales: console.certified.problem.<code>), and the same in
 * English as the admin API and the command answer it.
 */
export interface ProblemSaid {
  code: ProblemCode;
  vars: Record<string, string>;
  message: string;
}

export interface RowProblem extends ProblemSaid {
  line: number;
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

// The chat's validators name a locale key for the producer (validation.phone.mobileLength);
// an import report names its last part as the reason, and says it in a few words.
const phoneReasons: Record<string, string> = {
  format: 'is not a phone number',
  mobileLength: 'is not 10 digits, as a mobile number is',
  landlineLength: 'is not 11 digits, as a landline number with its area code is',
  oldPrefix: 'is an 11-digit 01x number, renumbered in 2018',
  notVietnamese: 'is not a Vietnamese number',
  notPhone: 'is not a phone number',
};
const dateReasons: Record<string, string> = {
  format: 'is not a date (dd/mm/yyyy or yyyy-mm-dd)',
  notReal: 'is not a real date',
  inFuture: 'is after today',
  notDate: 'is not a date',
};
const reasonOf = (hintKey: string, reasons: Record<string, string>, otherwise: string) => {
  const reason = hintKey.split('.').at(-1) ?? '';
  return reason in reasons ? reason : otherwise;
};

type Vars = Record<string, string>;
const column = (vars: Vars) => columnLabels[vars.column as Column] ?? vars.column;
const name = (vars: Vars) => ({ productName: 'product name', producerName: 'producer name' })[vars.column ?? ''] ?? vars.column;

/** Each problem in English, from its values. */
const problemTexts = {
  headingTwice: (v: Vars) => `columns "${v.first}" and "${v.second}" both hold the ${column(v)}`,
  headingMissing: (v: Vars) => `no ${column(v)} column`,
  notUtf8: () => 'the file is not UTF-8: save it as "CSV UTF-8"',
  fileEmpty: () => 'the file is empty: a heading line is required',
  quoteOpen: () => 'a quoted field is never closed',
  rowWidth: (v: Vars) => `${v.count} fields where the heading line has ${v.expected}: quote a field that holds a "${v.delimiter}"`,
  noRowsAfterHeadings: () => 'no certificates after the heading line',
  notWorkbook: () => 'the file is not an .xlsx workbook that can be read: save it again as .xlsx or as "CSV UTF-8"',
  noSheet: () => 'the workbook has no sheet',
  date: (v: Vars) => `${v.column === 'expiresOn' ? 'expires on' : 'certified on'} "${v.value}" ${dateReasons[v.reason ?? ''] ?? dateReasons.notDate}`,
  stars: (v: Vars) => `stars "${v.value}": a certificate has 3, 4 or 5 stars`,
  nameEmpty: (v: Vars) => `the ${name(v)} is empty`,
  nameLong: (v: Vars) => `the ${name(v)} is longer than ${v.max} characters`,
  ruleSetUnknown: (v: Vars) => `rule set "${v.value}" is not one of ${v.known}`,
  ruleSetNone: (v: Vars) => `no rule set known here was in force on ${v.date}: name one in the rule_set column`,
  phone: (v: Vars) => `phone "${v.value}" ${phoneReasons[v.reason ?? ''] ?? phoneReasons.notPhone}`,
  communeCode: (v: Vars) => `commune code "${v.value}" is not 5 digits`,
  certificateLong: (v: Vars) => `the certificate number is longer than ${v.max} characters`,
  certifiedEmpty: () => 'the certification date is empty',
  certifiedFuture: (v: Vars) => `certified on ${v.date} is after today (${v.today})`,
  expiryNotAfter: (v: Vars) => `expires on ${v.expires} is not after certified on ${v.certified}`,
  communeUnknown: (v: Vars) => `commune ${v.commune} is not in the list of administrative units`,
  communeElsewhere: (v: Vars) => `commune ${v.commune} is in province ${v.province}, not ${v.expected}`,
  repeated: (v: Vars) => `the same product, producer and certification date as line ${v.earlier}`,
  tooMany: (v: Vars) => `${v.count} rows: import at most ${v.max} at a time`,
  nothing: () => 'no certificates to import',
} satisfies Record<string, (vars: Vars) => string>;

export type ProblemCode = keyof typeof problemTexts;

/** A problem with its values and its English words. */
export function said(code: ProblemCode, vars: Vars = {}): ProblemSaid {
  return { code, vars, message: problemTexts[code](vars) };
}

const problemAt = (line: number, code: ProblemCode, vars: Vars = {}): RowProblem => ({ line, ...said(code, vars) });

type Positions = Partial<Record<Column, number>>;

function mapHeadings(header: CsvRecord): { ok: true; positions: Positions } | { ok: false; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const positions: Positions = {};
  for (const column of Object.keys(columnLabels) as Column[]) {
    const matches = header.fields.flatMap((heading, position) => (headingAliases[column].includes(toMatchKey(heading)) ? [{ heading, position }] : []));
    const [first, second] = matches;
    if (second) problems.push(problemAt(header.line, 'headingTwice', { first: first?.heading ?? '', second: second.heading, column }));
    else if (first) positions[column] = first.position;
    else if (!optionalColumns.includes(column)) problems.push(problemAt(header.line, 'headingMissing', { column }));
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
    return { ok: false, problems: [problemAt(1, 'notUtf8')] };
  }
  // Without a delimiter that finds every column, the one that finds most says what is missing.
  let closest: RowProblem[] | undefined;
  for (const delimiter of delimiters) {
    const { records, problems: unclosed } = readCsvRecords(text, delimiter);
    // The only problem the record reader finds is a quote left open.
    const read = readCertifiedProductRecords(records, { delimiter, earlier: unclosed.map((problem) => problemAt(problem.line, 'quoteOpen')) });
    if (!read.ok && read.headings) {
      if (!closest || read.problems.length < closest.length) closest = read.problems;
      continue;
    }
    return read.ok ? read : { ok: false, problems: read.problems };
  }
  return { ok: false, problems: closest ?? [] };
}

/**
 * Reads the list from records already split into fields (the lines of a CSV file, the rows
 * of a spreadsheet): the first is the heading line. `headings` is set when the headings
 * were what failed. `delimiter` is the CSV file's, when a line may have too many or too few
 * fields; `earlier` are problems the reader of the file found before (a quote left open).
 */
export function readCertifiedProductRecords(records: readonly CsvRecord[], options: { delimiter?: string; earlier?: readonly RowProblem[] } = {}): ReadCertifiedProducts & { headings?: true } {
  const [header, ...lines] = records;
  if (!header) return { ok: false, problems: [problemAt(1, 'fileEmpty')] };
  const headings = mapHeadings(header);
  if (!headings.ok) return { ok: false, problems: headings.problems, headings: true };
  const problems: RowProblem[] = [...(options.earlier ?? [])];
  const rows: CertifiedProductRow[] = [];
  for (const record of lines) {
    if (record.fields.length !== header.fields.length) {
      problems.push(problemAt(record.line, 'rowWidth', { count: String(record.fields.length), expected: String(header.fields.length), delimiter: options.delimiter ?? ',' }));
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
  if (problems.length === 0 && rows.length === 0) problems.push(problemAt(header.line, 'noRowsAfterHeadings'));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
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
function readDate(text: string, what: 'certifiedOn' | 'expiresOn', now: Date, problems: ProblemSaid[]): CalendarDate | undefined {
  if (isCalendarDate(text)) return text;
  const checked = answerValidators.date.validate(text, {}, { now });
  if (checked.ok && typeof checked.value === 'string' && isCalendarDate(checked.value)) return checked.value;
  problems.push(said('date', { column: what, value: text, reason: checked.ok ? 'notDate' : reasonOf(checked.hintKey, dateReasons, 'notDate') }));
  return undefined;
}

function readStars(value: string | number, problems: ProblemSaid[]): number | undefined {
  // "4", "4 sao" and "4★" are all written in the lists.
  const match = /^(\d+)\s*(?:sao|★)?$/iu.exec(toNfc(String(value)).trim());
  const stars = match ? Number(match[1]) : Number.NaN;
  if (stars >= 3 && stars <= 5) return stars;
  problems.push(said('stars', { value: String(value) }));
  return undefined;
}

function readName(value: string, what: 'productName' | 'producerName', problems: ProblemSaid[]): string | undefined {
  const text = present(value);
  if (text === undefined) problems.push(said('nameEmpty', { column: what }));
  else if (text.length > maxNameLength) problems.push(said('nameLong', { column: what, max: String(maxNameLength) }));
  else return text;
  return undefined;
}

function readRuleSet(named: string | undefined, certifiedOn: CalendarDate | undefined, ruleSets: readonly RuleSet[], problems: ProblemSaid[]): RuleSet | undefined {
  if (named !== undefined) {
    const ruleSet = ruleSets.find((candidate) => candidate.id === named);
    if (!ruleSet) problems.push(said('ruleSetUnknown', { value: named, known: ruleSets.map((candidate) => candidate.id).join(', ') }));
    return ruleSet;
  }
  if (certifiedOn === undefined) return undefined;
  // Noon in Vietnam, so the rule set is the one of the certification's own date.
  const inForce = ruleSetInForce(ruleSets, vietnamInstant(certifiedOn, '12:00'));
  if (!inForce) problems.push(said('ruleSetNone', { date: certifiedOn }));
  return inForce;
}

interface RowCheck {
  problems: ProblemSaid[];
  /** when the row is valid as far as it can be checked without the database */
  values?: CertifiedValues;
  /** when well formed, to check against the units even if something else in the row is wrong */
  communeCode?: string;
}

/** Everything a row says that needs no database; its commune is checked against the units later. */
function checkRow(row: CertifiedProductRow, ruleSets: readonly RuleSet[], now: Date): RowCheck {
  const problems: ProblemSaid[] = [];
  const productName = readName(row.productName, 'productName', problems);
  const producerName = readName(row.producerName, 'producerName', problems);

  const phoneText = present(row.producerPhone);
  let producerPhone: string | null = null;
  if (phoneText !== undefined) {
    const phone = answerValidators.phone.validate(phoneText, {}, { now });
    if (phone.ok && typeof phone.value === 'string') producerPhone = phone.value;
    else problems.push(said('phone', { value: phoneText, reason: phone.ok ? 'notPhone' : reasonOf(phone.hintKey, phoneReasons, 'notPhone') }));
  }

  // Spreadsheets turn "01234" into the number 1234: shorter digit strings get their zeros back.
  const communeText = present(row.communeCode) ?? '';
  const communeCode = /^\d{1,5}$/.test(communeText) ? communeText.padStart(5, '0') : undefined;
  if (communeCode === undefined) problems.push(said('communeCode', { value: communeText }));

  const stars = readStars(row.stars, problems);

  const certificateNumber = present(row.certificateNumber) ?? null;
  if (certificateNumber !== null && certificateNumber.length > maxCertificateNumberLength) problems.push(said('certificateLong', { max: String(maxCertificateNumberLength) }));

  const certifiedText = present(row.certifiedOn);
  const certifiedOn = certifiedText === undefined ? undefined : readDate(certifiedText, 'certifiedOn', now, problems);
  if (certifiedText === undefined) problems.push(said('certifiedEmpty'));
  const today = vietnamDateOf(now);
  if (certifiedOn !== undefined && certifiedOn > today) problems.push(said('certifiedFuture', { date: certifiedOn, today }));

  const ruleSet = readRuleSet(present(row.ruleSet), certifiedOn, ruleSets, problems);

  const expiresText = present(row.expiresOn);
  let expiresOn: CalendarDate | undefined;
  if (expiresText !== undefined) {
    expiresOn = readDate(expiresText, 'expiresOn', now, problems);
    if (expiresOn !== undefined && certifiedOn !== undefined && expiresOn <= certifiedOn) problems.push(said('expiryNotAfter', { expires: expiresOn, certified: certifiedOn }));
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
    if (province === undefined) return [problemAt(line, 'communeUnknown', { commune: communeCode })];
    if (province !== provinceCode) return [problemAt(line, 'communeElsewhere', { commune: communeCode, province, expected: provinceCode })];
    return [];
  });
}

function findRepeats(rows: readonly CheckedRow[]): RowProblem[] {
  const firstLine = new Map<string, number>();
  return rows.flatMap(({ line, values }) => {
    const earlier = firstLine.get(keyOf(values));
    if (earlier !== undefined) return [problemAt(line, 'repeated', { earlier: String(earlier) })];
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
  if (input.rows.length > maxImportRows) return { ok: false, problems: [problemAt(1, 'tooMany', { count: String(input.rows.length), max: String(maxImportRows) })] };
  const checks = input.rows.map((row) => ({ line: row.line, ...checkRow(row, input.ruleSets, input.now) }));
  const problems: RowProblem[] = checks.flatMap(({ line, problems: found }) => found.map((problem) => ({ line, ...problem })));
  const checked: CheckedRow[] = checks.flatMap(({ line, values }) => (values ? [{ line, values }] : []));
  const communes = checks.flatMap(({ line, communeCode }) => (communeCode ? [{ line, communeCode }] : []));
  if (input.rows.length === 0) problems.push(problemAt(1, 'nothing'));
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

/** The certificates a scope answers for: its commune's, or its province's (as its ideas). */
export function certifiedProductRegion(scope: { role: string; provinceCode: string; communeCode: string | null }): Prisma.CertifiedProductWhereInput {
  return scope.role === 'commune' ? { provinceCode: scope.provinceCode, communeCode: scope.communeCode ?? '' } : { provinceCode: scope.provinceCode };
}

/** A certificate's re-ranking window under a rule set: it opens so many days before expiry, and may close earlier than expiry. */
export interface ReRankingWindow {
  opens: CalendarDate;
  /** the last day to file, where the rule set sets one before expiry */
  closes: CalendarDate | undefined;
  expires: CalendarDate;
}

export function reRankingWindow(ruleSet: RuleSet, expiresOn: CalendarDate): ReRankingWindow {
  const { reRankingNoticeDaysBeforeExpiry: notice, reRankingClosesDaysBeforeExpiry: closesBefore } = ruleSet.certificate;
  return { opens: addDays(expiresOn, -notice), closes: closesBefore === undefined ? undefined : addDays(expiresOn, -closesBefore), expires: expiresOn };
}

/**
 * For a certificate whose window had already closed when the rule set came into force: the
 * last day it stays valid once its holder files (Decision 26/2026, Art. 12.3). Undefined
 * for any other certificate, or under a rule set without that transition.
 */
export function lateReRankingValidUntil(ruleSet: RuleSet, expiresOn: CalendarDate): CalendarDate | undefined {
  const grace = ruleSet.transition?.lateReRankingValidDaysAfterExpiry;
  const closesBefore = ruleSet.certificate.reRankingClosesDaysBeforeExpiry;
  if (grace === undefined || closesBefore === undefined) return undefined;
  const lastCovered = addDays(ruleSet.inForceFrom as CalendarDate, closesBefore - 1);
  return expiresOn <= lastCovered ? addDays(expiresOn, grace) : undefined;
}

/** Where a certificate stands against re-ranking today, under the rule set in force. */
export type ReRankingStanding =
  | { state: 'registered' }
  | { state: 'notYet'; window: ReRankingWindow }
  | { state: 'open'; window: ReRankingWindow }
  | { state: 'closed'; window: ReRankingWindow }
  | { state: 'late'; validUntil: CalendarDate }
  | { state: 'expired'; window: ReRankingWindow };

export function reRankingStanding(ruleSet: RuleSet, certificate: { expiresOn: string }, today: CalendarDate, registered: boolean): ReRankingStanding {
  if (registered) return { state: 'registered' };
  const expires = certificate.expiresOn as CalendarDate;
  const validUntil = lateReRankingValidUntil(ruleSet, expires);
  if (validUntil !== undefined && validUntil >= today) return { state: 'late', validUntil };
  const window = reRankingWindow(ruleSet, expires);
  if (expires < today) return { state: 'expired', window };
  if (today < window.opens) return { state: 'notYet', window };
  if (window.closes !== undefined && window.closes < today) return { state: 'closed', window };
  return { state: 'open', window };
}

/**
 * The certificates whose holder has registered the product for re-ranking since the
 * certificate was imported: a re-ranking idea of the same producer with the same product
 * name (any case). Certificates without a producer profile can have none.
 */
export async function registeredForReRanking(db: Transaction, certificates: readonly Pick<CertifiedProduct, 'id' | 'producerId' | 'productName' | 'createdAt'>[]): Promise<Set<bigint>> {
  const withProducer = certificates.filter((c): c is typeof c & { producerId: bigint } => c.producerId !== null);
  if (withProducer.length === 0) return new Set();
  const ideas = await db.productIdea.findMany({
    where: { kind: 're_ranking', producerId: { in: [...new Set(withProducer.map((c) => c.producerId))] } },
    select: { producerId: true, productName: true, submittedAt: true },
  });
  const sameName = (a: string, b: string) => a.toLocaleLowerCase('vi') === b.toLocaleLowerCase('vi');
  return new Set(
    withProducer.filter((c) => ideas.some((idea) => idea.producerId === c.producerId && sameName(idea.productName, c.productName) && idea.submittedAt >= c.createdAt)).map((c) => c.id),
  );
}
