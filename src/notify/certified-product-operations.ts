import { z } from 'zod';
import { parseCalendarDate } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import type { CertifiedProduct } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { anyCaller, defineOperation, type Operation } from '../operations/operation.js';
import { civilDate, communeCode, idOrNull, idSchema, idText, instant, maybeIdText } from '../operations/schemas.js';
import { certifiedProductRegion, importCertifiedProducts, maxImportRows, readCertifiedProductsCsv, type CertifiedProductRow, type RowProblem } from './certified-products.js';

// Products certified outside this system, imported by the province (JSON or the CSV its
// office exports) so that their expiry and re-ranking notices follow; and their list.

export interface CertifiedProductOperationsDeps {
  db: Database;
  now: () => Date;
  /** The rule sets (rules/rule-sets.yaml); importing answers 503 without them. */
  ruleSets?: readonly RuleSet[];
}

const importCell = z.string().max(1000);
const optionalCell = importCell.nullish();
// Only the shape is checked here: what each cell says is checked row by row by the import,
// which answers with every problem and its row.
const certifiedProductsBody = z.strictObject({
  rows: z
    .array(
      z.strictObject({
        productName: importCell,
        producerName: importCell,
        producerPhone: optionalCell,
        communeCode: importCell,
        stars: z.union([z.number(), importCell]),
        certificateNumber: optionalCell,
        certifiedOn: importCell,
        expiresOn: optionalCell,
        ruleSet: optionalCell,
      }),
    )
    .min(1)
    .max(maxImportRows),
});
const listCertifiedProductsQuery = z.strictObject({
  communeCode: communeCode.optional(),
  expiringBefore: z.iso
    .date()
    .transform((value) => parseCalendarDate(value))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: idSchema.optional(),
});

const certifiedProductAnswer = z.object({
  id: idText,
  provinceCode: z.string(),
  communeCode: z.string(),
  productName: z.string(),
  producerName: z.string(),
  producerPhone: z.string().nullable().meta({ description: '84…' }),
  producerId: maybeIdText.meta({ description: "the producer's profile in the bot, when exactly one has this phone" }),
  stars: z.number().int().min(3).max(5),
  certificateNumber: z.string().nullable(),
  certifiedOn: civilDate,
  expiresOn: civilDate,
  ruleSet: z.string(),
  importedBy: z.string(),
  createdAt: instant,
  updatedAt: instant,
});

function toCertifiedProductAnswer(product: CertifiedProduct): z.input<typeof certifiedProductAnswer> {
  return {
    id: String(product.id),
    provinceCode: product.provinceCode,
    communeCode: product.communeCode,
    productName: product.productName,
    producerName: product.producerName,
    producerPhone: product.producerPhone,
    producerId: idOrNull(product.producerId),
    stars: product.stars,
    certificateNumber: product.certificateNumber,
    certifiedOn: product.certifiedOn,
    expiresOn: product.expiresOn,
    ruleSet: product.ruleSet,
    importedBy: product.importedBy,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

/** 422: the import was readable, but rows say something wrong; nothing was imported. */
function refuseRows(problems: RowProblem[], source: 'csv' | 'json'): never {
  const lines = new Set(problems.map((problem) => problem.line)).size;
  throw new Refusal(
    'import.rows',
    `${lines} ${lines === 1 ? 'row has' : 'rows have'} problems; nothing was imported`,
    problems.map((problem) => (source === 'csv' ? { path: `line ${problem.line}`, message: problem.message, line: problem.line, inFile: true } : { path: `rows.${problem.line - 1}`, message: problem.message, line: problem.line })),
  );
}

export function certifiedProductOperations(deps: CertifiedProductOperationsDeps): Operation[] {
  return [
    defineOperation({
      id: 'importCertifiedProducts',
      method: 'post',
      path: '/certified-products',
      tag: 'certified products',
      summary: "Import the province's certified products",
      description:
        'All or nothing: one invalid row and nothing is imported. Rows are matched on product, producer and certification date; a match is updated when something differs. Dates are dd/mm/yyyy or yyyy-mm-dd; without an expiry date a certificate lasts the months of its rule set, and without a rule set the one in force on the certification date applies. A phone is linked to the producer whose profile has it. CSV headings may be English (product, producer, phone, commune_code, stars, certificate_number, certified_on, expires_on, rule_set) or Vietnamese (Tên sản phẩm, Chủ thể, Số điện thoại, Mã xã, Số sao, Số giấy chứng nhận, Ngày chứng nhận, Ngày hết hạn, Bộ tiêu chí), in any case, with or without diacritics.',
      roles: ['province'],
      refusal: 'certified products are imported by the province OCOP unit',
      body: certifiedProductsBody,
      // A province's list of a few thousand certificates: as JSON, or as CSV (UTF-8, with or
      // without a BOM; separated by commas, semicolons or tabs).
      file: { types: ['text/csv'], limit: '4mb', description: 'at most 4 MB: JSON, or CSV in UTF-8 (with or without a BOM) separated by commas, semicolons or tabs' },
      errors: ['upload.empty', 'import.rows', 'service.unavailable'],
      answer: { status: 200, schema: z.object({ created: z.number().int().min(0), updated: z.number().int().min(0), unchanged: z.number().int().min(0) }), description: 'what changed' },
      async handle({ caller, body, file }) {
        const ruleSets = deps.ruleSets;
        if (!ruleSets) throw new Refusal('service.unavailable', 'certified products are not imported here');
        let rows: CertifiedProductRow[];
        const source = file ? 'csv' : 'json';
        if (file) {
          const read = readCertifiedProductsCsv(file);
          if (!read.ok) refuseRows(read.problems, source);
          rows = read.rows;
        } else {
          rows = body.rows.map((row, index) => ({ ...row, line: index + 1 }));
        }
        const outcome = await importCertifiedProducts(deps.db, { provinceCode: caller.provinceCode, importedBy: caller.name, rows, ruleSets, now: deps.now() });
        if (!outcome.ok) refuseRows(outcome.problems, source);
        return outcome.summary;
      },
    }),
    defineOperation({
      id: 'listCertifiedProducts',
      method: 'get',
      path: '/certified-products',
      tag: 'certified products',
      summary: "Certified products of the token's region, in id order",
      ...anyCaller,
      query: listCertifiedProductsQuery,
      queryDescription: {
        communeCode: "only this commune's products",
        expiringBefore: 'only certificates that expire before this date',
        limit: 'products per page',
        after: 'the `nextAfter` of the previous page',
      },
      errors: [],
      answer: { status: 200, schema: z.object({ certifiedProducts: z.array(certifiedProductAnswer), nextAfter: idText.nullable().meta({ description: 'null on the last page' }) }), description: 'one page' },
      async handle({ caller, query }) {
        const rows = await deps.db.certifiedProduct.findMany({
          where: {
            AND: [
              certifiedProductRegion(caller),
              { communeCode: query.communeCode, expiresOn: query.expiringBefore === undefined ? undefined : { lt: query.expiringBefore }, id: query.after === undefined ? undefined : { gt: query.after } },
            ],
          },
          orderBy: { id: 'asc' },
          take: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return { certifiedProducts: page.map(toCertifiedProductAnswer), nextAfter: rows.length > query.limit && last ? String(last.id) : null };
      },
    }),
  ];
}
