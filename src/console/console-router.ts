import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { projectRoot } from '../config/project-root.js';
import helmet from 'helmet';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { displayDate, displayVietnamDateTime, vietnamDateOf } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { Database, Transaction } from '../db/database.js';
import type { Official } from '../db/generated/client.js';
import { type AssembledPacket } from '../dossier/assemble-packet.js';
import { PacketDocumentMismatchError } from '../dossier/build-packet.js';
import {
  attachCommuneDocument,
  checkDossier,
  communeItems,
  readDossier,
  returnDossierItems,
  type Form03Intake,
} from '../dossier/review-dossier.js';
import { defaultLocale, isLocale, type Locale, type Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import { ideaRegion, mayDecide, mayOperate } from '../officials/region-scope.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { acceptProductIdea, returnProductIdea } from '../registration/review-product-idea.js';
import { sendStoredFile } from '../storage/send-stored-file.js';
import type { DocumentStorage } from '../storage/storage.js';
import type { MeetingRules } from '../council/schedule-meeting.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import type { NotifyTiming } from '../notify/timing.js';
import { DomainError, type DomainErrorCode } from '../errors/domain-error.js';
import { registerRequestPages } from './console-requests.js';
import { registerRecognitionPages } from './console-recognition.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import { registerMemberScoringPages, registerScoringBoard, type ScoringPagesDeps } from './console-scoring.js';
import { registerMeetingPages } from './console-meetings.js';
import { registerCertifiedPages } from './console-certified.js';
import { registerReminderPages } from './console-reminders.js';
import { registerUnreachablePages } from './console-unreachable.js';
import { registerAuditPage } from './console-audit.js';
import { registerOverviewPages } from './console-overview.js';
import { queueDashboardApi, registerOperationsPages } from './console-operations.js';
import { displayPhone } from '../text/phone.js';
import { readUpload } from './read-upload.js';
import { auditTrail, recordAction } from './audit-trail.js';
import { endSession, findSession, redeemSignInLink, sameToken, type ConsoleAuthSettings, type ConsoleSessionState } from './console-auth.js';
import { html, layout, pageContext, postForm, raw, type Html, type PageContext } from './console-html.js';
import { consoleTasks, filteredIdeas, ideaFilterSchema, ideasWorkbook, type IdeaFilter } from './console-queries.js';
import { sendDownload } from '../storage/send-stored-file.js';

// The officials' console: signed in through the OA, one server-side session per sign-in,
// every change a POST with the session's CSRF token. It calls the same domain functions
// as the JSON API, with the same region and role rules.

export interface ConsoleDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  auth: ConsoleAuthSettings;
  /** Secure cookies: true wherever the console is served over HTTPS (PUBLIC_BASE_URL https://) */
  secureCookies: boolean;
  checklists: readonly Checklist[];
  calendar: WorkingCalendar;
  /** the commune's working days to check a dossier (rules/notifications.yaml) */
  checkWorkingDays: number;
  /** each province's own rules (rules/provinces.yaml): how soon a producer's request is answered */
  settingsFor: (provinceCode: string) => ProvinceSettings;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  storage: DocumentStorage;
  /** stores what the commune uploads (only what prints in the packet) */
  uploads: Form03Intake;
  /** The calendar and provinces' settings for meetings, and their distribution; no meeting pages without them. */
  meetings?: MeetingRules;
  distribute?: (meetingId: bigint) => Promise<bigint[]>;
  /** how long a re-issued invitation code stays valid (OFFICIAL_INVITATION_TTL_HOURS) */
  invitationTtlHours: number;
  /** the OA's chat (https://zalo.me/<OA id>); invitation codes get a QR code to it when set */
  oaChatUrl?: string;
  /** The rule sets results are judged by; no meeting pages without them. */
  ruleSets?: readonly RuleSet[];
  /** Builds a dossier's packet (one PDF, kept per version); no packet button without it. */
  assemblePacket?: (ideaId: bigint, actor: string) => Promise<AssembledPacket>;
  /** Quiet hours and working days, so a reminder snoozed in the console is moved out of them; no snooze without them. */
  notifyTiming?: NotifyTiming;
  /** The BullMQ queues the operations page's dashboard shows; no dashboard without them. */
  queues?: readonly Queue[];
  /** Zalo's monthly upload quota, for the operations page's warning; no warning without it. */
  monthlyUploadQuota?: number;
  /** Members' scoring on their phones: the sheets, and how their links are signed; none without it. */
  scoring?: Pick<ScoringPagesDeps, 'rules' | 'linkSecret' | 'publicBaseUrl'>;
}

const sessionCookie = 'ocop_console';
const htmxFile = join(projectRoot(), 'node_modules', 'htmx.org', 'dist', 'htmx.min.js');
const languageCookie = 'ocop_lang';

type ConsoleRequest = Request & { session?: ConsoleSessionState; locale?: Locale; log?: Logger };

function cookiesOf(req: Request): Record<string, string> {
  const header = req.get('cookie') ?? '';
  return Object.fromEntries(
    header
      .split(';')
      .map((part) => part.trim().split('='))
      .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '')
      .map(([name, value]) => [name, decodeURIComponent(value)]),
  );
}

const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
const returnForm = z.object({ reason: z.string().trim().min(3).max(1000) });
const returnItemForm = z.object({ item: z.string().min(1).max(60), reason: z.string().trim().min(3).max(1000) });

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = Router();
  // Server-Timing: the time from the request reaching the console to its headers, so a
  // browser (the journey test, an official's developer tools) sees each page's server time.
  // Measured on the process's monotonic clock, never the wall clock.
  router.use((_req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const writeHead = res.writeHead;
    res.writeHead = function writeHeadWithTiming(this: Response, ...args: Parameters<typeof writeHead>) {
      if (!this.headersSent) this.setHeader('Server-Timing', `app;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}`);
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  });
  router.use(
    helmet({
      // Scripts only from the console itself (htmx, for the live delivery board): none inline, no eval.
      contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'"], styleSrc: ["'self'"], scriptSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"] } },
      // Zalo's in-app browser opens links from the chat: a strict referrer policy keeps the path private.
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: deps.secureCookies,
    }),
  );
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  // htmx, served by the app itself (never a CDN): pages work without it, it only refreshes parts in place.
  router.get('/assets/htmx.min.js', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(htmxFile);
  });

  const cookie = (name: string, value: string, maxAgeSeconds: number) =>
    `${name}=${encodeURIComponent(value)}; Path=/console; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${deps.secureCookies ? '; Secure' : ''}`;

  // The language: ?lang= switches it (and remembers it); otherwise the cookie, else Vietnamese.
  router.use((req: ConsoleRequest, res: Response, next: NextFunction) => {
    const asked = typeof req.query.lang === 'string' && isLocale(req.query.lang) ? req.query.lang : undefined;
    const remembered = cookiesOf(req)[languageCookie];
    req.locale = asked ?? (remembered && isLocale(remembered) ? remembered : defaultLocale);
    if (asked) res.append('Set-Cookie', cookie(languageCookie, asked, 365 * 24 * 3600));
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const ctxOf = async (req: ConsoleRequest, flash?: Flash): Promise<PageContext> => {
    const locale = req.locale ?? defaultLocale;
    const official = req.session?.official;
    const path = req.originalUrl.replace(/([?&])lang=[^&]*&?/, '$1').replace(/[?&]$/, '');
    return pageContext(deps.translate, locale, {
      path,
      ...(official ? { official: { name: official.name, role: deps.translate(locale, `official.role.${official.role}`), region: await regionLabel(official), plansMeetings: official.role !== 'commune' && deps.meetings !== undefined && deps.ruleSets !== undefined, operates: mayOperate(official), audits: official.role === 'province' } } : {}),
      ...(req.session ? { csrfToken: req.session.csrfToken } : {}),
      ...(flash && flashes.some((f) => f === flash.key) ? { flash: { kind: flash.kind, text: deps.translate(locale, `console.flash.${flash.key}`) } } : {}),
    });
  };

  async function regionLabel(official: Official): Promise<string> {
    if (official.communeCode) {
      const unit = await deps.db.administrativeUnit.findUnique({ where: { communeCode: official.communeCode } });
      if (unit) return `${unit.communeName}, ${unit.provinceName}`;
    }
    const unit = await deps.db.administrativeUnit.findFirst({ where: { provinceCode: official.provinceCode } });
    return unit?.provinceName ?? official.provinceCode;
  }

  function page(res: Response, status: number, ctx: PageContext, title: string, body: Html): void {
    res.status(status).type('html').send(layout(ctx, title, body));
  }

  // A link from the chat: one use, then a session and the task list.
  router.get('/sign-in/:token', async (req: ConsoleRequest, res: Response) => {
    const token = String(req.params.token ?? '');
    const started = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await redeemSignInLink(deps.db, { token, now: deps.now(), settings: deps.auth }) : null;
    if (!started) {
      const ctx = await ctxOf(req);
      page(res, 401, ctx, ctx.t('console.signIn.failedTitle'), html`<p>${ctx.t('console.signIn.failed')}</p>`);
      return;
    }
    res.append('Set-Cookie', cookie(sessionCookie, started.sessionId, Math.floor(deps.auth.maxAgeMs / 1000)));
    req.log?.info({ officialId: String(started.official.id) }, 'console session started');
    const who = started.official;
    await recordAction(deps, { kind: 'official', id: who.id, name: who.name, sessionId: started.id, provinceCode: who.provinceCode, communeCode: who.communeCode }, { at: deps.now(), method: 'GET', route: '/console/sign-in/:token', target: {}, status: 303, address: req.ip ?? null });
    res.redirect(303, '/console');
  });

  // A council member's own link to their scoring sheets: the link is the credential (no sign-in in Zalo's browser).
  const scoringDeps = deps.scoring ? { ...deps.scoring, db: deps.db, translate: deps.translate, logger: deps.logger, now: deps.now, enqueueOutbound: deps.enqueueOutbound } : undefined;
  if (scoringDeps) registerMemberScoringPages(router, scoringDeps, { ctxOf, page });

  // Every change is written to the audit trail once answered, refusals included.
  router.use(
    auditTrail({
      db: deps.db,
      now: deps.now,
      logger: deps.logger,
      base: '/console',
      actorOf: (req: ConsoleRequest) => {
        const session = req.session;
        if (!session) return undefined;
        const who = session.official;
        return { kind: 'official', id: who.id, name: who.name, sessionId: session.id, provinceCode: who.provinceCode, communeCode: who.communeCode };
      },
    }),
  );

  // Everything else needs a live session.
  router.use(async (req: ConsoleRequest, res: Response, next: NextFunction) => {
    const id = cookiesOf(req)[sessionCookie];
    const session = id ? await findSession(deps.db, { sessionId: id, now: deps.now(), settings: deps.auth }) : null;
    if (!session) {
      const ctx = await ctxOf(req);
      page(res, 401, ctx, ctx.t('console.signedOutTitle'), html`<p>${ctx.t('console.signedOut')}</p>`);
      return;
    }
    req.session = session;
    // A file form is read by its route, which checks the token among the form's fields.
    // The queue dashboard's script posts JSON without the form token: console-operations.ts checks its origin.
    if (req.method === 'POST' && !req.is('multipart/form-data') && !req.path.startsWith(queueDashboardApi)) {
      const given = typeof req.body?._csrf === 'string' ? req.body._csrf : '';
      if (!sameToken(given, session.csrfToken)) {
        const ctx = await ctxOf(req);
        page(res, 403, ctx, ctx.t('console.forbiddenTitle'), html`<p>${ctx.t('console.csrf')}</p>`);
        return;
      }
    }
    next();
  });

  /** Runs `act` in one transaction if the idea is in the official's region; null when it is not. */
  const withVisibleIdea = <T>(who: Official, id: bigint, act: (tx: Transaction) => Promise<T>): Promise<T | null> =>
    deps.db.$transaction(async (tx) => {
      const visible = await tx.productIdea.findFirst({ where: { AND: [ideaRegion(who), { id }] }, select: { id: true } });
      return visible ? act(tx) : null;
    });

  const official = (req: ConsoleRequest): Official => {
    if (!req.session) throw new Error('the console route ran without a session');
    return req.session.official;
  };

  router.post('/sign-out', async (req: ConsoleRequest, res: Response) => {
    if (req.session) await endSession(deps.db, { id: req.session.id, now: deps.now() });
    res.append('Set-Cookie', cookie(sessionCookie, '', 0));
    const ctx = pageContext(deps.translate, req.locale ?? defaultLocale, { path: '/console' });
    page(res, 200, ctx, ctx.t('console.signedOutTitle'), html`<p>${ctx.t('console.signedOutDone')}</p>`);
  });

  // Việc cần làm: one list, the nearest deadline first.
  router.get('/', async (req: ConsoleRequest, res: Response) => {
    const ctx = await ctxOf(req, flashOf(req));
    const who = official(req);
    const tasks = await consoleTasks(deps.db, { official: who, now: deps.now(), calendar: deps.calendar, checkWorkingDays: deps.checkWorkingDays, requestAnswerWorkingDays: deps.settingsFor(who.provinceCode).requestAnswerWorkingDays });
    const rows = tasks.map((task) => {
      const due =
        task.workingDaysLeft === undefined
          ? ''
          : task.workingDaysLeft < 0
            ? html`<span class="late">${ctx.t('console.tasks.overdue', { days: String(-task.workingDaysLeft), date: displayDate(task.deadline ?? '') })}</span>`
            : html`<span class="${task.workingDaysLeft <= 3 ? 'soon' : ''}">${ctx.t('console.tasks.left', { days: String(task.workingDaysLeft), date: displayDate(task.deadline ?? '') })}</span>`;
      return html`<li class="card"><a href="${task.href}"><strong>${ctx.t(`console.tasks.kind.${task.kind}`)}</strong> · ${task.productName}</a>
        <div class="meta">${task.receiptNumber} · ${task.producerName} · ${ctx.t('console.tasks.since', { date: displayDate(task.since) })}</div><div>${due}</div></li>`;
    });
    page(res, 200, ctx, ctx.t('console.tasks.title'), rows.length > 0 ? html`<ul class="cards">${rows}</ul>` : html`<p>${ctx.t('console.tasks.none')}</p>`);
  });

  // Ideas: filtered list, and the same list as Excel.
  const filterOf = (req: Request): IdeaFilter => {
    const parsed = ideaFilterSchema.safeParse(req.query);
    return parsed.success ? parsed.data : {};
  };

  router.get('/ideas', async (req: ConsoleRequest, res: Response) => {
    const ctx = await ctxOf(req);
    const filter = filterOf(req);
    const ideas = await filteredIdeas(deps.db, official(req), filter);
    const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}" ${current === value ? raw('selected') : ''}>${label}</option>`;
    const statuses = ['submitted', 'accepted', 'returned'];
    const sectors = ['food', 'drinks', 'herbal', 'handicrafts', 'ornamental', 'tourism'];
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
    const form = html`<form method="get" action="/console/ideas" class="filters">
      <label>${ctx.t('console.ideas.status')} <select name="status"><option value="">${ctx.t('console.ideas.any')}</option>${statuses.map((s) => option(s, ctx.t(`console.status.${s}`), filter.status))}</select></label>
      <label>${ctx.t('console.ideas.sector')} <select name="sector"><option value="">${ctx.t('console.ideas.any')}</option>${sectors.map((s) => option(s, ctx.t(`ocop.sector.${s}`), filter.sector))}</select></label>
      <button type="submit">${ctx.t('console.ideas.filter')}</button>
      <a class="button secondary" href="/console/ideas.xlsx${query ? `?${query}` : ''}">${ctx.t('console.ideas.export')}</a>
    </form>`;
    const rows = ideas.map(
      (idea) => html`<li class="card"><a href="/console/ideas/${String(idea.id)}"><strong>${idea.productName}</strong></a>
        <div class="meta">${idea.receiptNumber} · ${idea.producer.name} · ${ctx.t(`ocop.sector.${idea.sectorCode}`)}</div>
        <div><span class="status ${idea.status}">${ctx.t(`console.status.${idea.status}`)}</span> · ${ctx.t('console.ideas.submittedOn', { date: displayDate(vietnamDateOf(idea.submittedAt)) })}${idea.dossier ? html` · ${ctx.t(`console.dossierStatus.${idea.dossier.status}`)}` : ''}</div></li>`,
    );
    page(res, 200, ctx, ctx.t('console.ideas.title'), html`${form}${rows.length > 0 ? html`<ul class="cards">${rows}</ul>` : html`<p>${ctx.t('console.ideas.none')}</p>`}`);
  });

  router.get('/ideas.xlsx', async (req: ConsoleRequest, res: Response) => {
    const locale = req.locale ?? defaultLocale;
    const ideas = await filteredIdeas(deps.db, official(req), filterOf(req));
    const workbook = await ideasWorkbook(ideas, (key, vars) => deps.translate(locale, key, vars));
    sendDownload(res, Buffer.from(workbook), { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `y-tuong-ocop-${vietnamDateOf(deps.now())}.xlsx` });
  });

  router.get('/ideas/:id', async (req: ConsoleRequest, res: Response) => {
    const ctx = await ctxOf(req, flashOf(req));
    const parsed = idParam.safeParse(req.params);
    const idea = parsed.success ? await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(official(req)), { id: parsed.data.id }] }, include: { producer: true, dossier: true } }) : null;
    if (!idea) return notFound(req, res);
    const details = idea.details && typeof idea.details === 'object' && !Array.isArray(idea.details) ? Object.entries(idea.details as Record<string, unknown>) : [];
    const value = (key: string, v: unknown) => (key === 'rawMaterialsLocal' && typeof v === 'string' ? ctx.t(`idea.rawMaterialsLocal.${v}`) : String(v ?? ''));
    const kindKey = { new_product: 'newProduct', star_upgrade: 'starUpgrade', re_ranking: 'reRanking' }[idea.kind];
    const decide =
      idea.status === 'submitted' && mayDecide(official(req).role)
        ? html`<section class="actions"><h2>${ctx.t('console.idea.decide')}</h2>
            ${postForm(ctx, `/console/ideas/${String(idea.id)}/accept`, html`<button type="submit">${ctx.t('console.idea.accept')}</button>`)}
            ${postForm(ctx, `/console/ideas/${String(idea.id)}/return`, html`<label>${ctx.t('console.idea.reason')}<textarea name="reason" required minlength="3" maxlength="1000" rows="3"></textarea></label><button type="submit" class="secondary">${ctx.t('console.idea.return')}</button>`)}
          </section>`
        : '';
    const body = html`<dl class="facts">
        <dt>${ctx.t('console.idea.receipt')}</dt><dd>${idea.receiptNumber}</dd>
        <dt>${ctx.t('console.idea.status')}</dt><dd><span class="status ${idea.status}">${ctx.t(`console.status.${idea.status}`)}</span>${idea.reviewReason ? html` — ${idea.reviewReason}` : ''}</dd>
        <dt>${ctx.t('console.idea.producer')}</dt><dd>${idea.producer.name} · ${idea.producer.representative} · ${displayPhone(idea.producer.phone)}</dd>
        <dt>${ctx.t('idea.summary.set')}</dt><dd>${ctx.t(`ocop.sector.${idea.sectorCode}`)} › ${ctx.t(`ocop.set.${idea.setCode}`)}</dd>
        <dt>${ctx.t('idea.summary.kind')}</dt><dd>${ctx.t(`idea.kind.${kindKey}`)}</dd>
        <dt>${ctx.t('console.idea.submitted')}</dt><dd>${displayVietnamDateTime(idea.submittedAt)}</dd>
        ${details.map(([key, v]) => html`<dt>${ctx.t(`idea.summary.${key}`)}</dt><dd>${value(key, v)}</dd>`)}
      </dl>
      ${idea.dossier ? html`<p><a class="button" href="/console/ideas/${String(idea.id)}/dossier">${ctx.t('console.idea.openDossier')}</a></p>` : html`<p>${ctx.t('console.idea.noDossier')}</p>`}
      ${decide}`;
    page(res, 200, ctx, idea.productName, body);
  });

  /**
   * A decision on an idea or its dossier: by a role that decides, on an idea of the
   * official's region, in one transaction; a refusal the domain names becomes the page's
   * message, the producer's message is enqueued once committed.
   */
  async function decide(
    req: ConsoleRequest,
    res: Response,
    input: { back: (id: bigint) => string; ok: FlashKey; refusals: Refusals; form?: { valid: boolean; error: FlashKey }; act: (tx: Transaction, who: Official, id: bigint) => Promise<{ outboxIds: bigint[] }> },
  ): Promise<void> {
    const who = official(req);
    const parsed = idParam.safeParse(req.params);
    if (!parsed.success || !mayDecide(who.role)) return notFound(req, res);
    const id = parsed.data.id;
    if (input.form && !input.form.valid) return redirectWith(res, input.back(id), 'error', input.form.error);
    let outcome: { outboxIds: bigint[] } | null;
    try {
      outcome = await withVisibleIdea(who, id, (tx) => input.act(tx, who, id));
    } catch (error) {
      return redirectWith(res, input.back(id), 'error', refusalOf(error, input.refusals));
    }
    if (outcome === null) return notFound(req, res);
    await enqueueCommitted(deps.enqueueOutbound, outcome.outboxIds, req.log ?? deps.logger);
    redirectWith(res, input.back(id), 'ok', input.ok);
  }

  const ideaPage = (id: bigint) => `/console/ideas/${String(id)}`;
  const dossierPage = (id: bigint) => `/console/ideas/${String(id)}/dossier`;
  const review = (who: Official) => ({ reviewer: who.name, now: deps.now(), translate: deps.translate });

  router.post('/ideas/:id/accept', (req: ConsoleRequest, res: Response) =>
    decide(req, res, { back: ideaPage, ok: 'accepted', refusals: { 'idea.notSubmitted': 'alreadyDecided' }, act: (tx, who, id) => acceptProductIdea(tx, { ...review(who), ideaId: id }) }),
  );
  router.post('/ideas/:id/return', (req: ConsoleRequest, res: Response) => {
    const form = returnForm.safeParse(req.body);
    return decide(req, res, {
      back: ideaPage,
      ok: 'returned',
      refusals: { 'idea.notSubmitted': 'alreadyDecided' },
      form: { valid: form.success, error: 'reasonRequired' },
      act: (tx, who, id) => returnProductIdea(tx, { ...review(who), ideaId: id, reason: form.data?.reason ?? '' }),
    });
  });

  // The dossier: its checklist with every document viewable, returns and the check.
  router.get('/ideas/:id/dossier', async (req: ConsoleRequest, res: Response) => {
    const ctx = await ctxOf(req, flashOf(req));
    const parsed = idParam.safeParse(req.params);
    const idea = parsed.success ? await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(official(req)), { id: parsed.data.id }] } }) : null;
    const overview = idea ? await readDossier(deps.db, { ideaId: idea.id, checklists: deps.checklists }) : null;
    if (!idea || !overview) return notFound(req, res);
    const ideaId = String(idea.id);
    const canDecide = mayDecide(official(req).role);
    const items = overview.items.map((item) => {
      const stored = item.documents.filter((d) => d.status === 'stored');
      const state = stored.length > 0 ? 'have' : item.exemption ? 'exempted' : item.need === 'required' ? 'missing' : 'optional';
      return html`<li class="card item ${state}">
        <div><strong>${ctx.t(`dossier.item.${item.item}`)}</strong> <span class="tag">${ctx.t(`console.dossier.need.${item.need}`)}</span> <span class="tag">${ctx.t(`console.dossier.by.${item.by}`)}</span></div>
        <div class="meta">${ctx.t(`console.dossier.state.${state}`)}</div>
        ${stored.length > 0 ? html`<div class="docs">${stored.map((d, i) => {
          const label = ctx.t('console.dossier.view', { n: String(i + 1) });
          // A photographed page is shown on the page itself (loaded as it scrolls into view); a PDF or Word file opens on its own.
          return d.mediaType?.startsWith('image/')
            ? html`<a href="/console/documents/${String(d.id)}" target="_blank" rel="noopener" class="thumb"><img src="/console/documents/${String(d.id)}" alt="${label}" loading="lazy" decoding="async"><span>${label}</span></a> `
            : html`<a href="/console/documents/${String(d.id)}" target="_blank" rel="noopener">${label}</a> `;
        })}</div>` : ''}
        ${item.exemption ? html`<div class="note">${ctx.t('console.dossier.exemption', { reason: item.exemption.reason, date: displayDate(vietnamDateOf(item.exemption.declaredAt)) })}</div>` : ''}
        ${item.returns.map((r) => html`<div class="note">${ctx.t('console.dossier.returnedWith', { reason: r.reason, date: displayDate(vietnamDateOf(r.returnedAt)) })}</div>`)}
      </li>`;
    });
    const producerItems = overview.items.filter((i) => i.by === 'producer');
    const actions = canDecide
      ? html`<section class="actions"><h2>${ctx.t('console.dossier.actions')}</h2>
          ${overview.dossier.status !== 'checked' ? postForm(ctx, `/console/ideas/${ideaId}/dossier/check`, html`<button type="submit">${ctx.t('console.dossier.check')}</button>`) : html`<p>${ctx.t('console.dossier.checked', { date: displayVietnamDateTime(overview.dossier.checkedAt ?? new Date(0)), name: overview.dossier.checkedBy ?? '' })}</p>`}
          ${overview.items
            .filter((i) => i.by === 'commune')
            .map(
              (i) => html`<form method="post" action="/console/ideas/${ideaId}/dossier/commune/${i.item}" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ''}">
                <label>${ctx.t('console.dossier.upload', { item: ctx.t(`dossier.item.${i.item}`) })}<input type="file" name="file" accept="application/pdf,image/jpeg,image/png" required></label>
                <button type="submit" class="secondary">${ctx.t('console.dossier.uploadButton')}</button></form>`,
            )}
          ${postForm(
            ctx,
            `/console/ideas/${ideaId}/dossier/return`,
            html`<label>${ctx.t('console.dossier.returnItem')}<select name="item">${producerItems.map((i) => html`<option value="${i.item}">${ctx.t(`dossier.item.${i.item}`)}</option>`)}</select></label>
              <label>${ctx.t('console.idea.reason')}<textarea name="reason" required minlength="3" maxlength="1000" rows="3"></textarea></label>
              <button type="submit" class="secondary">${ctx.t('console.dossier.return')}</button>`,
          )}
        </section>`
      : '';
    const packets = html`<section class="actions"><h2>${ctx.t('console.dossier.packets')}</h2>
        ${overview.packets.map((p) => html`<p><a href="/console/packets/${String(p.id)}">${ctx.t('console.dossier.packet', { version: String(p.version), pages: String(p.pageCount), date: displayVietnamDateTime(p.builtAt) })}</a></p>`)}
        ${deps.assemblePacket ? postForm(ctx, `/console/ideas/${ideaId}/dossier/packet`, html`<button type="submit" class="secondary">${ctx.t('console.dossier.buildPacket')}</button>`) : ''}
      </section>`;
    const history = html`<details class="card"><summary>${ctx.t('console.dossier.history')}</summary><ul>${overview.events.map(
      (e) => html`<li>${displayVietnamDateTime(e.at)} · ${ctx.t(`console.dossier.event.${eventKey(e.action)}`)}${e.itemCode ? html` · ${ctx.t(`dossier.item.${e.itemCode}`)}` : ''} · ${e.actor.startsWith('admin:') ? e.actor.slice(6) : ctx.t('console.dossier.byProducer')}</li>`,
    )}</ul></details>`;
    const body = html`<p><a href="/console/ideas/${ideaId}">← ${idea.productName}</a> · <span class="status">${ctx.t(`console.dossierStatus.${overview.dossier.status}`)}</span> · ${ctx.t(overview.complete ? 'console.dossier.complete' : 'console.dossier.incomplete')}</p>
      <ul class="cards">${items}</ul>${actions}${packets}${history}`;
    page(res, 200, ctx, ctx.t('console.dossier.title', { product: idea.productName }), body);
  });

  router.post('/ideas/:id/dossier/check', (req: ConsoleRequest, res: Response) =>
    decide(req, res, {
      back: dossierPage,
      ok: 'checked',
      refusals: { 'dossier.incomplete': 'incomplete', 'dossier.alreadyChecked': 'alreadyChecked' },
      act: (tx, who, id) => checkDossier(tx, { ideaId: id, official: who.name, checklists: deps.checklists, now: deps.now(), translate: deps.translate }),
    }),
  );

  router.post('/ideas/:id/dossier/return', (req: ConsoleRequest, res: Response) => {
    const form = returnItemForm.safeParse(req.body);
    return decide(req, res, {
      back: dossierPage,
      ok: 'itemReturned',
      refusals: { 'dossier.itemsNotReturnable': 'notReturnable' },
      form: { valid: form.success, error: 'reasonRequired' },
      act: (tx, who, id) => returnDossierItems(tx, { ideaId: id, official: who.name, checklists: deps.checklists, now: deps.now(), translate: deps.translate, items: form.data ? [form.data] : [] }),
    });
  });

  // The commune's own documents: Form 03 and its proposal letter, PDF or photo.
  router.post('/ideas/:id/dossier/commune/:item', async (req: ConsoleRequest, res: Response) => {
    const who = official(req);
    const parsed = idParam.safeParse(req.params);
    const item = communeItems.find((i) => i === req.params.item);
    if (!parsed.success || !item || !mayDecide(who.role) || !req.is('multipart/form-data')) return notFound(req, res);
    const back = `/console/ideas/${String(parsed.data.id)}/dossier`;
    const upload = await readUpload(req, uploadLimitBytes);
    if (!sameToken(upload.fields._csrf ?? '', req.session?.csrfToken ?? '-')) {
      const ctx = await ctxOf(req);
      page(res, 403, ctx, ctx.t('console.forbiddenTitle'), html`<p>${ctx.t('console.csrf')}</p>`);
      return;
    }
    if (upload.tooLarge) return redirectWith(res, back, 'error', 'uploadTooLarge');
    if (!upload.file || upload.file.length === 0) return redirectWith(res, back, 'error', 'uploadMissing');
    if (!(await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(who), { id: parsed.data.id }] }, select: { id: true } }))) return notFound(req, res);
    const stored = await deps.uploads.store(upload.file);
    if (!stored.ok) return redirectWith(res, back, 'error', 'uploadRefused');
    const outcome = await withVisibleIdea(who, parsed.data.id, (tx) => attachCommuneDocument(tx, { ideaId: parsed.data.id, item, official: who.name, file: stored, now: deps.now() }));
    if (outcome === null) return notFound(req, res);
    redirectWith(res, back, 'ok', 'uploaded');
  });

  // The packet: built once per dossier version (cover, contents, every document), then downloaded.
  router.post('/ideas/:id/dossier/packet', async (req: ConsoleRequest, res: Response) => {
    const who = official(req);
    const parsed = idParam.safeParse(req.params);
    const assemble = deps.assemblePacket;
    if (!parsed.success || !assemble) return notFound(req, res);
    const id = parsed.data.id;
    if (!(await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(who), { id }] }, select: { id: true } }))) return notFound(req, res);
    const back = `/console/ideas/${String(id)}/dossier`;
    let packet: AssembledPacket;
    try {
      packet = await assemble(id, `console:${String(who.id)}`);
    } catch (error) {
      // A stored document that does not match its record is a fault, not a refusal: logged, and the official told.
      if (error instanceof PacketDocumentMismatchError) {
        (req.log ?? deps.logger).error({ err: error, ideaId: String(id) }, 'a stored document does not match its record');
        return redirectWith(res, back, 'error', 'packetBroken');
      }
      return redirectWith(res, back, 'error', refusalOf(error, { 'dossier.empty': 'packetEmpty', 'dossier.changed': 'packetChanged' }));
    }
    res.redirect(303, `/console/packets/${String(packet.id)}`);
  });

  router.get('/packets/:id', async (req: ConsoleRequest, res: Response) => {
    const parsed = idParam.safeParse(req.params);
    const packet = parsed.success ? await deps.db.dossierPacket.findFirst({ where: { id: parsed.data.id, dossier: { productIdea: ideaRegion(official(req)) } }, include: { dossier: { include: { productIdea: true } } } }) : null;
    if (!packet) return notFound(req, res);
    await sendStoredFile(res, deps.storage, packet.storageKey, {
      mediaType: 'application/pdf',
      sizeBytes: packet.sizeBytes,
      sha256: packet.sha256,
      fileName: `ho-so-${packet.dossier.productIdea.receiptNumber.replace(/[^\w-]+/g, '-')}-v${packet.version}.pdf`,
      inline: false,
    });
  });

  // A document of a dossier in the official's region, shown in the browser.
  router.get('/documents/:id', async (req: ConsoleRequest, res: Response) => {
    const parsed = idParam.safeParse(req.params);
    const document = parsed.success
      ? await deps.db.dossierDocument.findFirst({ where: { id: parsed.data.id, status: 'stored', dossier: { productIdea: ideaRegion(official(req)) } } })
      : null;
    if (!document?.storageKey || !document.mediaType || !document.sha256 || document.sizeBytes === null) return notFound(req, res);
    const extension = document.storageKey.split('.').pop() ?? 'bin';
    await sendStoredFile(res, deps.storage, document.storageKey, { mediaType: document.mediaType, sizeBytes: document.sizeBytes, sha256: document.sha256, fileName: `tai-lieu-${String(document.id)}.${extension}`, inline: true });
  });

  async function notFound(req: ConsoleRequest, res: Response): Promise<void> {
    const ctx = await ctxOf(req);
    page(res, 404, ctx, ctx.t('console.notFoundTitle'), html`<p>${ctx.t('console.notFound')}</p>`);
  }

  if (deps.meetings && deps.distribute && deps.ruleSets) {
    const scoring = scoringDeps ? registerScoringBoard(router, scoringDeps, { ctxOf, page, official, notFound }) : undefined;
    const recognition = registerRecognitionPages(router, { db: deps.db, storage: deps.storage, translate: deps.translate, ruleSets: deps.ruleSets, now: deps.now, logger: deps.logger, enqueueOutbound: deps.enqueueOutbound }, { ctxOf, page, official, notFound });
    registerMeetingPages(router, { ...(scoring ? { scoring } : {}), recognition, db: deps.db, translate: deps.translate, evaluation: { ruleSets: deps.ruleSets, settingsFor: deps.meetings.settingsFor }, logger: deps.logger, now: deps.now, meetings: deps.meetings, distribute: deps.distribute, enqueueOutbound: deps.enqueueOutbound, invitationTtlHours: deps.invitationTtlHours, ...(deps.oaChatUrl ? { oaChatUrl: deps.oaChatUrl } : {}) }, { ctxOf, page, official, notFound });
  }
  const rounds = deps.ruleSets && deps.meetings ? { ruleSets: deps.ruleSets, settingsFor: deps.meetings.settingsFor } : undefined;
  registerAuditPage(router, { db: deps.db }, { ctxOf, page, official, notFound });
  registerRequestPages(router, { db: deps.db, now: deps.now }, { ctxOf, page, official, notFound });
  registerCertifiedPages(router, { db: deps.db, now: deps.now, ...(deps.ruleSets ? { ruleSets: deps.ruleSets } : {}) }, { ctxOf, page, official, notFound });
  registerReminderPages(router, { db: deps.db, now: deps.now, ...(deps.notifyTiming ? { timing: deps.notifyTiming } : {}) }, { ctxOf, page, official, notFound });
  registerUnreachablePages(router, { db: deps.db }, { ctxOf, page, official, notFound });
  registerOverviewPages(router, { db: deps.db, now: deps.now, calendar: deps.calendar, checkWorkingDays: deps.checkWorkingDays, ...(rounds ? { rounds } : {}) }, { ctxOf, page, official, notFound });
  registerOperationsPages(router, { db: deps.db, translate: deps.translate, logger: deps.logger, now: deps.now, enqueueOutbound: deps.enqueueOutbound, ...(deps.queues ? { queues: deps.queues } : {}), ...(deps.monthlyUploadQuota === undefined ? {} : { monthlyUploadQuota: deps.monthlyUploadQuota }) }, { ctxOf, page, official, notFound });
  return router;
}

/** After a change, the page it concerns, saying how it went (Post/Redirect/Get). */
function redirectWith(res: Response, path: string, kind: Flash['kind'], what: FlashKey): void {
  res.redirect(303, `${path}?${kind}=${encodeURIComponent(what)}`);
}

/** What a change may report on the page it returns to. */
const flashes = ['accepted', 'returned', 'reasonRequired', 'alreadyDecided', 'checked', 'incomplete', 'alreadyChecked', 'itemReturned', 'notReturnable', 'meetingScheduled', 'meetingLocked', 'uploaded', 'uploadTooLarge', 'uploadMissing', 'uploadRefused', 'packetEmpty', 'packetChanged', 'packetBroken', 'resultsRecorded', 'resultsCorrected', 'correctionReason', 'messageRetried', 'messageInDoubt', 'messageNotFailed', 'reminderCancelled', 'reminderSnoozed', 'reminderClosed', 'snoozeInvalid', 'deadlineCreated', 'deadlineCancelled', 'deadlineInvalid', 'deadlineInPast', 'deadlineCommune', 'deadlineNotOwned', 'deadlineAlreadyCancelled', 'handledByPhone'] as const;

/** The dossier events the history names; anything else reads as a change. */
const knownEvents = ['document_added', 'document_replaced', 'document_refused', 'submitted', 'checked', 'item_returned', 'exemption_declared', 'evaluated', 'evaluation_corrected'] as const;
const eventKey = (action: string) => (knownEvents.find((e) => e === action) ?? 'other').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** As the admin API takes them: a scan of a few pages fits. */
const uploadLimitBytes = 25 * 1024 * 1024;
type Flash = { kind: 'ok' | 'error'; key: string };
type FlashKey = (typeof flashes)[number];

/** The domain's refusals a page expects, by code (errors/domain-error.ts), each with the message it shows. */
type Refusals = Partial<Record<DomainErrorCode, FlashKey>>;

/** The message a refusal the domain names becomes; any other error is a fault, thrown on. */
function refusalOf(error: unknown, refusals: Refusals): FlashKey {
  const known = error instanceof DomainError ? refusals[error.code] : undefined;
  if (!known) throw error;
  return known;
}

function flashOf(req: Request): Flash | undefined {
  for (const kind of ['ok', 'error'] as const) {
    const key = flashes.find((f) => f === req.query[kind]);
    if (key) return { kind, key };
  }
  return undefined;
}
