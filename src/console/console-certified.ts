import type { Request, Response, Router } from 'express';
import { addMonths } from '../calendar/calendar-date.js';
import { z } from 'zod';
import { displayDate, displayVietnamDateTime, isCalendarDate, vietnamDateOf } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import type { CertifiedProduct, Notification, Official, Prisma } from '../db/generated/client.js';
import { readCertifiedProductsFile } from '../notify/certified-products-file.js';
import {
  certifiedProductRegion,
  importCertifiedProducts,
  maxImportRows,
  reRankingStanding,
  registeredForReRanking,
  type ReRankingStanding,
  type RowProblem,
} from '../notify/certified-products.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';
import { certifyingLevelFor } from '../ocop/scoring.js';
import { displayPhone } from '../text/phone.js';
import { sameToken } from './console-auth.js';
import { html, raw, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { readUpload } from './read-upload.js';
import { sendDownload } from '../storage/send-stored-file.js';

// Sản phẩm OCOP đã công nhận: the register of the region's certificates with where each
// stands against re-ranking (the window of the rule set in force, as the reminders count
// it) and the reminder its holder was sent; an .xlsx of the same list; and, for the
// province unit, an import from the CSV or .xlsx it keeps, all or nothing, as the admin
// API and `npm run certified:import` take it.

export interface CertifiedPagesDeps {
  db: Database;
  now: () => Date;
  /** The rule sets; without them nothing is imported and no re-ranking window is shown. */
  ruleSets?: readonly RuleSet[];
}

/** As the admin API takes a list (4 MB): a province's few thousand certificates fit many times over. */
export const certifiedUploadLimitBytes = 4 * 1024 * 1024;
/** Rows a page lists; the export has them all. */
const pageRows = 500;

const expiryChoices = ['expired', 'm3', 'm6', 'm12'] as const;
const filterSchema = z.object({
  stars: z.enum(['3', '4', '5']).optional().catch(undefined),
  expiry: z.enum(expiryChoices).optional().catch(undefined),
  commune: z.string().regex(/^\d{5}$/).optional().catch(undefined),
});
type CertifiedFilter = z.infer<typeof filterSchema>;
const importedQuery = z.object({ imported: z.coerce.number().int().min(0), updated: z.coerce.number().int().min(0), unchanged: z.coerce.number().int().min(0) });

/** Whoever sees the register; only the province unit imports into it (as the admin API). */
const mayImport = (official: Official) => official.role === 'province';

type Listed = CertifiedProduct & { standing: ReRankingStanding | undefined; notice: Notification | undefined };

export function registerCertifiedPages(router: Router, deps: CertifiedPagesDeps, kit: PageKit): void {
  const filterOf = (req: Request): CertifiedFilter => filterSchema.parse(req.query);

  function whereOf(official: Official, filter: CertifiedFilter): Prisma.CertifiedProductWhereInput {
    const today = vietnamDateOf(deps.now());
    const expiry =
      filter.expiry === undefined ? undefined : filter.expiry === 'expired' ? { lt: today } : { gte: today, lte: addMonths(today, Number(filter.expiry.slice(1))) };
    return { AND: [certifiedProductRegion(official), { stars: filter.stars === undefined ? undefined : Number(filter.stars), expiresOn: expiry, communeCode: filter.commune }] };
  }

  /** The certificates of the filter, nearest expiry first, each with its standing and its latest re-ranking reminder. */
  async function listed(official: Official, filter: CertifiedFilter, take: number): Promise<{ rows: Listed[]; total: number }> {
    const where = whereOf(official, filter);
    const [rows, total] = await Promise.all([
      deps.db.certifiedProduct.findMany({ where, orderBy: [{ expiresOn: 'asc' }, { productName: 'asc' }, { id: 'asc' }], take }),
      deps.db.certifiedProduct.count({ where }),
    ]);
    const ruleSet = deps.ruleSets ? ruleSetInForce(deps.ruleSets, deps.now()) : undefined;
    const registered = await registeredForReRanking(deps.db, rows);
    const notices = await deps.db.notification.findMany({
      where: { certifiedProductId: { in: rows.map((r) => r.id) }, kind: { in: ['certificate.reRanking', 'certificate.reRankingLate'] } },
      orderBy: { id: 'desc' },
    });
    const today = vietnamDateOf(deps.now());
    return {
      total,
      rows: rows.map((row) => ({
        ...row,
        standing: ruleSet ? reRankingStanding(ruleSet, row, today, registered.has(row.id)) : undefined,
        notice: notices.find((n) => n.certifiedProductId === row.id),
      })),
    };
  }

  async function communeNames(codes: readonly string[]): Promise<Map<string, string>> {
    const units = await deps.db.administrativeUnit.findMany({ where: { communeCode: { in: [...new Set(codes)] } }, select: { communeCode: true, communeName: true } });
    return new Map(units.map((u) => [u.communeCode, u.communeName]));
  }

  const levelOf = (ctx: { t: PageContext['t'] }, row: CertifiedProduct): string => {
    const ruleSet = deps.ruleSets?.find((r) => r.id === row.ruleSet);
    const level = ruleSet ? certifyingLevelFor(ruleSet, row.stars) : null;
    return level ? ctx.t(`notify.level.${level}`) : '';
  };

  function standingText(t: PageContext['t'], standing: ReRankingStanding | undefined): string {
    if (!standing) return '';
    switch (standing.state) {
      case 'registered':
        return t('console.certified.standing.registered');
      case 'late':
        return t('console.certified.standing.late', { validUntil: displayDate(standing.validUntil) });
      default:
        return t(`console.certified.standing.${standing.state}`, {
          opens: displayDate(standing.window.opens),
          closes: displayDate(standing.window.closes ?? standing.window.expires),
          expires: displayDate(standing.window.expires),
        });
    }
  }

  const standingClass = (standing: ReRankingStanding | undefined) => (standing?.state === 'expired' || standing?.state === 'closed' ? 'late' : standing?.state === 'open' || standing?.state === 'late' ? 'soon' : '');

  function noticeLine(ctx: PageContext, notice: Notification | undefined): Html | string {
    if (!notice) return '';
    const when = notice.sentAt ?? notice.closedAt ?? notice.sendAt;
    return html`<div class="meta"><a href="/console/reminders/${String(notice.id)}">${ctx.t(`console.certified.notice.${notice.state}`, { date: displayVietnamDateTime(when) })}</a></div>`;
  }

  /** A problem of the import in the official's language, its dates as dd/mm/yyyy. */
  function problemText(ctx: PageContext, problem: RowProblem): string {
    const vars = Object.fromEntries(Object.entries(problem.vars).map(([key, value]) => [key, isCalendarDate(value) ? displayDate(value) : value]));
    if (vars.column !== undefined) vars.column = ctx.t(`console.certified.column.${vars.column}`);
    if (problem.code === 'date' || problem.code === 'phone') vars.reason = ctx.t(`console.certified.reason.${problem.code}.${vars.reason ?? ''}`);
    return ctx.t('console.certified.line', { line: String(problem.line), problem: ctx.t(`console.certified.problem.${problem.code}`, vars) });
  }

  async function certifiedPage(req: Request, res: Response, outcome?: { status: number; notice: Html }) {
    const official = kit.official(req);
    const filter = filterOf(req);
    const imported = importedQuery.safeParse(req.query);
    const ctx = await kit.ctxOf(req);
    const { rows, total } = await listed(official, filter, pageRows);
    // The communes the province's certificates are in, for the filter.
    const communeCodes = official.role === 'commune' ? [] : (await deps.db.certifiedProduct.findMany({ where: certifiedProductRegion(official), distinct: ['communeCode'], select: { communeCode: true } })).map((r) => r.communeCode);
    const names = await communeNames([...communeCodes, ...rows.map((r) => r.communeCode)]);
    const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}" ${current === value ? raw('selected') : ''}>${label}</option>`;
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
    const filters = html`<form method="get" action="/console/certified" class="filters">
      <label>${ctx.t('console.certified.stars')}<select name="stars"><option value="">${ctx.t('console.ideas.any')}</option>${['3', '4', '5'].map((s) => option(s, ctx.t('console.certified.starsValue', { stars: s }), filter.stars))}</select></label>
      <label>${ctx.t('console.certified.expiry')}<select name="expiry"><option value="">${ctx.t('console.ideas.any')}</option>${expiryChoices.map((e) => option(e, ctx.t(`console.certified.expiryChoice.${e}`), filter.expiry))}</select></label>
      ${communeCodes.length > 0 ? html`<label>${ctx.t('console.ideas.commune')}<select name="commune"><option value="">${ctx.t('console.ideas.any')}</option>${[...communeCodes].sort((a, b) => (names.get(a) ?? a).localeCompare(names.get(b) ?? b, 'vi')).map((c) => option(c, names.get(c) ?? c, filter.commune))}</select></label>` : ''}
      <button type="submit">${ctx.t('console.ideas.filter')}</button>
      <a class="button secondary" href="/console/certified.xlsx${query ? `?${query}` : ''}">${ctx.t('console.ideas.export')}</a>
    </form>`;
    const cards = rows.map(
      (r) => html`<li class="card"><strong>${r.productName}</strong> <span class="tag">${ctx.t('console.certified.starsValue', { stars: String(r.stars) })}</span>
        <div class="meta">${r.producerName}${r.producerPhone ? html` · ${displayPhone(r.producerPhone)}` : ''} · ${names.get(r.communeCode) ?? r.communeCode}</div>
        <div>${ctx.t('console.certified.certificate', { number: r.certificateNumber ?? '—', date: displayDate(r.certifiedOn) })}${levelOf(ctx, r) ? html` · ${levelOf(ctx, r)}` : ''}</div>
        <div>${ctx.t('console.certified.expires', { date: displayDate(r.expiresOn) })}</div>
        ${r.standing ? html`<div class="${standingClass(r.standing)}">${standingText(ctx.t, r.standing)}</div>` : ''}
        ${noticeLine(ctx, r.notice)}</li>`,
    );
    const summary = imported.success
      ? html`<p class="flash ok" role="status">${ctx.t('console.certified.imported', { created: String(imported.data.imported), updated: String(imported.data.updated), unchanged: String(imported.data.unchanged) })}</p>`
      : '';
    const importForm =
      mayImport(official) && deps.ruleSets
        ? html`<section class="actions" aria-labelledby="import"><h2 id="import">${ctx.t('console.certified.import')}</h2>
            ${outcome?.notice ?? ''}
            <p class="meta">${ctx.t('console.certified.importHint', { max: String(maxImportRows) })}</p>
            <form method="post" action="/console/certified/import" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ''}">
              <label>${ctx.t('console.certified.file')}<input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
              <button type="submit">${ctx.t('console.certified.importButton')}</button></form></section>`
        : '';
    const body = html`${summary}${filters}
      <p class="meta">${total > rows.length ? ctx.t('console.certified.countCapped', { shown: String(rows.length), total: String(total) }) : ctx.t('console.certified.count', { total: String(total) })}</p>
      ${rows.length > 0 ? html`<ul class="cards">${cards}</ul>` : html`<p>${ctx.t('console.certified.none')}</p>`}
      ${importForm}`;
    kit.page(res, outcome?.status ?? 200, ctx, ctx.t('console.certified.title'), body);
  }

  router.get('/certified', (req, res) => certifiedPage(req, res));

  // The same list as a workbook, every row of the filter; its headings are those the import reads, so it can be imported again.
  router.get('/certified.xlsx', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const ctx = await kit.ctxOf(req);
    const { rows } = await listed(official, filterOf(req), maxImportRows);
    const names = await communeNames(rows.map((r) => r.communeCode));
    // Loaded when first asked for, as the other exports.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(ctx.t('console.certified.sheet'));
    const column = (key: string, width: number) => ({ header: ctx.t(`console.certified.column.${key}`), key, width });
    sheet.columns = [
      column('productName', 32),
      column('producerName', 30),
      column('producerPhone', 16),
      column('communeCode', 10),
      column('commune', 22),
      column('stars', 8),
      column('level', 14),
      column('certificateNumber', 20),
      column('certifiedOn', 14),
      column('expiresOn', 14),
      column('reRanking', 48),
      column('ruleSet', 16),
    ];
    sheet.getRow(1).font = { bold: true };
    for (const r of rows) {
      sheet.addRow({
        productName: r.productName,
        producerName: r.producerName,
        producerPhone: r.producerPhone ? displayPhone(r.producerPhone) : '',
        communeCode: r.communeCode,
        commune: names.get(r.communeCode) ?? '',
        stars: r.stars,
        level: levelOf(ctx, r),
        certificateNumber: r.certificateNumber ?? '',
        certifiedOn: displayDate(r.certifiedOn),
        expiresOn: displayDate(r.expiresOn),
        reRanking: standingText(ctx.t, r.standing),
        ruleSet: r.ruleSet,
      });
    }
    const bytes = await workbook.xlsx.writeBuffer();
    sendDownload(res, Buffer.from(bytes), { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `san-pham-ocop-${vietnamDateOf(deps.now())}.xlsx` });
  });

  router.post('/certified/import', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const ruleSets = deps.ruleSets;
    // Refused before the file is read.
    if (!mayImport(official) || !ruleSets || !req.is('multipart/form-data')) return kit.notFound(req, res);
    const upload = await readUpload(req, certifiedUploadLimitBytes);
    const ctx = await kit.ctxOf(req);
    if (!sameToken(upload.fields._csrf ?? '', ctx.csrfToken ?? '-')) {
      kit.page(res, 403, ctx, ctx.t('console.forbiddenTitle'), html`<p>${ctx.t('console.csrf')}</p>`);
      return;
    }
    const refuse = (status: number, notice: Html) => certifiedPage(req, res, { status, notice });
    if (upload.tooLarge) return refuse(413, html`<p class="flash error" role="alert">${ctx.t('console.certified.tooLarge', { mb: String(certifiedUploadLimitBytes / 1024 / 1024) })}</p>`);
    if (!upload.file || upload.file.length === 0) return refuse(400, html`<p class="flash error" role="alert">${ctx.t('console.flash.uploadMissing')}</p>`);
    const read = await readCertifiedProductsFile(upload.file);
    const outcome = read.ok ? await importCertifiedProducts(deps.db, { provinceCode: official.provinceCode, importedBy: official.name, rows: read.rows, ruleSets, now: deps.now() }) : read;
    if (!outcome.ok) {
      const lines = new Set(outcome.problems.map((p) => p.line)).size;
      return refuse(
        422,
        html`<div class="flash error" role="alert"><p>${ctx.t('console.certified.refused', { lines: String(lines) })}</p><ul>${outcome.problems.map((p) => html`<li>${problemText(ctx, p)}</li>`)}</ul></div>`,
      );
    }
    const { created, updated, unchanged } = outcome.summary;
    res.redirect(303, `/console/certified?imported=${created}&updated=${updated}&unchanged=${unchanged}`);
  });
}
