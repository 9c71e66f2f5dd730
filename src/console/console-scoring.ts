import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayDate, displayVietnamDateTime, vietnamDateOf } from '../calendar/calendar-date.js';
import { meetingLinksValidUntil } from '../council/distribute-meeting.js';
import {
  memberSheet,
  sheetsOfIdeas,
  NotScoringMemberError,
  openScoring,
  productsToScore,
  saveSheet,
  ScoringClosedError,
  ScoringNotOpenError,
  scoringBoard,
  SheetAnswersError,
  tallyScoring,
  type ScoringRules,
  type TallyOutcome,
} from '../council/member-scoring.js';
import { MeetingNotFoundError } from '../council/schedule-meeting.js';
import type { Database } from '../db/database.js';
import { DomainError, errorWords } from '../errors/domain-error.js';
import type { Official, ScoreSheet } from '../db/generated/client.js';
import { signLink, verifyLink } from '../dossier/signed-links.js';
import { defaultLocale, isLocale, type Locale, type Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import { criteriaOf, type Answers, type ScoringSheet } from '../ocop/scoring-sheets.js';
import { addToOutbox, enqueueCommitted, type OutboxEntry } from '../outbound/outbox.js';
import { html, postForm, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';

// Scoring on the phone: each voting member of a meeting's council opens their own signed
// link (no sign-in: Zalo's in-app browser has none) to the sheets of the meeting's products,
// saves as they go and submits each product; the secretary watches the board live, types in
// a paper sheet for a member, and closes scoring, which tallies (council/member-scoring.ts).

export interface ScoringPagesDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  rules: ScoringRules;
  /** signs members' links (LINK_SIGNING_SECRET) */
  linkSecret: string;
  /** where the console is served from, for the links sent in Zalo */
  publicBaseUrl: string;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
}

const idParam = z.string().regex(/^\d{1,18}$/).transform(BigInt);
const boardRefreshSeconds = 5;
const mayRunScoring = (official: Official) => official.role === 'province' || official.role === 'secretary';

/** A member's personal link to the sheets of one meeting, valid as long as its packet links. */
export function scoringLink(deps: Pick<ScoringPagesDeps, 'linkSecret' | 'publicBaseUrl'>, meeting: { id: bigint; date: string }, personId: bigint): string {
  const exp = Math.floor(meetingLinksValidUntil(meeting.date).getTime() / 1000);
  return `${deps.publicBaseUrl}/console/scoring/${signLink({ kind: 'scoring', id: String(meeting.id), to: `person:${personId}`, exp }, deps.linkSecret)}`;
}

/** The messages that send members their links, in each one's language. */
async function linkMessages(deps: ScoringPagesDeps, tx: Parameters<Parameters<Database['$transaction']>[0]>[0], meeting: { id: bigint; date: string; council: { name: string } }, people: bigint[], occasion: string, text: (locale: Locale, name: string) => string): Promise<bigint[]> {
  const persons = await tx.councilPerson.findMany({ where: { id: { in: people }, zaloUserId: { not: null } } });
  const users = await tx.zaloUser.findMany({ where: { id: { in: persons.map((p) => p.zaloUserId!) } } });
  const entries: OutboxEntry[] = persons.map((person) => {
    const stored = users.find((u) => u.id === person.zaloUserId)?.locale;
    const locale = stored && isLocale(stored) ? stored : defaultLocale;
    return {
      idempotencyKey: `scoring:${meeting.id}:${occasion}:${person.id}`,
      recipient: person.zaloUserId!,
      message: { kind: 'text', text: text(locale, person.name), buttons: [{ title: deps.translate(locale, 'scoring.open'), action: { kind: 'url', url: scoringLink(deps, meeting, person.id) } }] },
    };
  });
  return addToOutbox(tx, entries, deps.now());
}

/**
 * What a sheet form sends: `c_<criterion>` = the option's points, `d` = conditions found,
 * `note`. Read without the sheet: saving checks every answer against it.
 */
function readSheetForm(body: Record<string, unknown>): { answers: Answers; disqualifiers: string[]; note: string | null; submit: boolean } {
  const answers: Answers = {};
  for (const [field, raw] of Object.entries(body)) {
    const code = /^c_([A-Z][A-Z0-9.]{0,15})$/.exec(field)?.[1];
    if (code && typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) answers[code] = Number(raw);
  }
  const d = body.d;
  const disqualifiers = (Array.isArray(d) ? d : d === undefined ? [] : [d]).filter((v): v is string => typeof v === 'string');
  const note = typeof body.note === 'string' && body.note.trim() !== '' ? body.note.trim().slice(0, 2000) : null;
  return { answers, disqualifiers, note, submit: body.action === 'submit' };
}

const points = (ctx: PageContext, value: number) => new Intl.NumberFormat(ctx.locale === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 2 }).format(value);

/** The sheet as a form: each part, each criterion's options as radio buttons, the conditions, a note. */
function sheetForm(ctx: PageContext, sheet: ScoringSheet, saved: Pick<ScoreSheet, 'answers' | 'disqualifiers' | 'note' | 'status'> | null, options: { action: string; autosave: boolean; csrf: boolean; problem?: string | undefined }): Html {
  const answers = (saved?.answers ?? {}) as Answers;
  const locked = saved?.status === 'submitted';
  const total = Object.values(answers).reduce((s, v) => s + v, 0);
  const parts = sheet.parts.map(
    (part) => html`<fieldset class="sheet-part"><legend>${ctx.t('scoring.part', { part: part.part, title: part.title, max: points(ctx, part.max) })}</legend>${part.criteria.map((criterion) => {
      const max = Math.max(...criterion.options.map((o) => o.points));
      return html`<fieldset class="criterion"><legend>${criterion.code}. ${criterion.title} <span class="meta">${ctx.t('scoring.max', { max: points(ctx, max) })}</span></legend>${criterion.options.map(
        (option) => html`<label class="check"><input type="radio" name="c_${criterion.code}" value="${String(option.points)}"${answers[criterion.code] === option.points ? ' checked' : ''}${locked ? ' disabled' : ''}> <span>${option.text} — <strong>${ctx.t('scoring.points', { points: points(ctx, option.points) })}</strong>${
          option.minimumFor ? html` <span class="tag">${ctx.t('scoring.minimumFor', { stars: String(option.minimumFor) })}</span>` : ''
        }</span></label>`,
      )}</fieldset>`;
    })}</fieldset>`,
  );
  const conditions = sheet.disqualifiedWhen.length
    ? html`<fieldset><legend>${ctx.t('scoring.disqualifiedWhen')}</legend>${sheet.disqualifiedWhen.map(
        (d) => html`<label class="check"><input type="checkbox" name="d" value="${d.code}"${saved?.disqualifiers.includes(d.code) ? ' checked' : ''}${locked ? ' disabled' : ''}> <span>${d.text}</span></label>`,
      )}</fieldset>`
    : '';
  const status = html`<p id="save-status" class="meta" role="status" aria-live="polite">${saved ? ctx.t(locked ? 'scoring.submittedTotal' : 'scoring.draftTotal', { total: points(ctx, total) }) : ctx.t('scoring.notStarted')}</p>`;
  const buttons = locked
    ? ''
    : html`<div class="actions"><button type="submit" name="action" value="draft" class="secondary">${ctx.t('scoring.saveDraft')}</button><button type="submit" name="action" value="submit">${ctx.t('scoring.submit')}</button></div><p class="meta">${ctx.t('scoring.submitHint')}</p>`;
  const body = html`${options.problem ? html`<p class="flash error" role="alert">${options.problem}</p>` : ''}<p class="meta">${sheet.title} · ${sheet.source}</p>${status}${parts}${conditions}
    <label>${ctx.t('scoring.note')}<textarea name="note" rows="3" maxlength="2000"${locked ? ' disabled' : ''}>${saved?.note ?? ''}</textarea></label>${buttons}`;
  if (options.csrf) return postForm(ctx, options.action, body, { className: 'sheet' });
  // Each change saves the draft in place (htmx); without scripts the buttons do the same.
  // One save in flight per sheet, and only the latest waiting: taps in quick succession
  // arrive in order and the last one is never dropped (htmx's default keeps the first).
  const autosave = options.autosave && !locked ? html` hx-post="${options.action}?autosave=1" hx-trigger="change" hx-sync="this:queue last" hx-target="#save-status" hx-swap="outerHTML"` : '';
  return html`<form method="post" action="${options.action}" class="sheet"${autosave}>${body}</form>`;
}

/**
 * The words for a refused save, from the error table; a sheet not complete names the
 * criteria still to choose, as the sheet words them. Anything else is a fault, thrown on.
 */
function refusalWords(ctx: PageContext, sheet: ScoringSheet, error: unknown): string {
  if (error instanceof SheetAnswersError) {
    const titles = new Map(criteriaOf(sheet).map((c) => [c.code, `${c.code}. ${c.title}`]));
    const missing = error.issues.filter((i) => i.problem === 'missing').map((i) => titles.get(i.code) ?? i.code);
    if (missing.length > 0) return ctx.t('scoring.missing', { criteria: missing.join('; ') });
  }
  if (error instanceof DomainError) return ctx.t(errorWords(error));
  throw error;
}

export function registerMemberScoringPages(router: Router, deps: ScoringPagesDeps, kit: Pick<PageKit, 'ctxOf' | 'page'>): void {
  /** Who the link was issued to and for which meeting; a page saying why when it cannot be used. */
  async function admit(req: Request, res: Response): Promise<{ meetingId: bigint; personId: bigint } | null> {
    const check = verifyLink(String(req.params.token ?? ''), deps.linkSecret, deps.now(), { kind: 'scoring' });
    const person = check.ok ? /^person:(\d{1,18})$/.exec(check.payload.to)?.[1] : undefined;
    if (!check.ok || !person) {
      const ctx = await kit.ctxOf(req);
      kit.page(res, 403, ctx, ctx.t('scoring.linkTitle'), html`<p>${ctx.t(check.ok || check.reason !== 'expired' ? 'scoring.linkInvalid' : 'scoring.linkExpired')}</p>`);
      return null;
    }
    return { meetingId: BigInt(check.payload.id), personId: BigInt(person) };
  }

  async function refused(req: Request, res: Response, status: number, key: string): Promise<void> {
    const ctx = await kit.ctxOf(req);
    kit.page(res, status, ctx, ctx.t('scoring.title'), html`<p>${ctx.t(key)}</p>`);
  }

  // The meeting's products and where the member's own sheets stand.
  router.get('/scoring/:token', async (req: Request, res: Response) => {
    const who = await admit(req, res);
    if (!who) return;
    const ctx = await kit.ctxOf(req);
    let view;
    try {
      view = await deps.db.$transaction((tx) => productsToScore(tx, deps.rules, { ...who, now: deps.now() }));
    } catch (error) {
      if (error instanceof MeetingNotFoundError || error instanceof NotScoringMemberError) return refused(req, res, 404, 'scoring.notFound');
      throw error;
    }
    const { meeting, products } = view;
    const base = `/console/scoring/${String(req.params.token)}`;
    const state = meeting.scoringClosedAt ? 'scoring.closed' : meeting.scoringOpenedAt ? 'scoring.openNow' : 'scoring.notOpen';
    const cards = products.map((p) => {
      const status = p.recorded ? ctx.t('scoring.recorded') : !p.sheet ? ctx.t('scoring.noSheet') : !p.expected ? ctx.t('scoring.notAsked') : ctx.t(`scoring.status.${p.status}`, { total: p.totalHundredths === null ? '' : points(ctx, p.totalHundredths / 100) });
      const link = p.sheet && (p.expected || p.status !== 'none') ? html`<a href="${base}/products/${String(p.productIdeaId)}"><strong>${p.productName}</strong></a>` : html`<strong>${p.productName}</strong>`;
      return html`<li class="card">${link}<div class="meta">${p.receiptNumber}${p.round > 1 ? html` · ${ctx.t('scoring.round', { round: String(p.round) })}` : ''}</div><div><span class="status ${p.status === 'submitted' || p.recorded ? 'accepted' : ''}">${status}</span></div></li>`;
    });
    kit.page(
      res,
      200,
      ctx,
      ctx.t('scoring.title'),
      html`<dl class="facts"><dt>${ctx.t('console.meetings.council')}</dt><dd>${meeting.council.name}</dd><dt>${ctx.t('console.meetings.date')}</dt><dd>${displayDate(meeting.date)} ${meeting.time} · ${meeting.place}</dd></dl>
        ${req.query.ok === 'submitted' ? html`<p class="flash ok" role="status">${ctx.t('scoring.flash.submitted')}</p>` : ''}<p class="flash ok">${ctx.t(state)}</p><ul class="cards">${cards}</ul>`,
    );
  });

  /** The member's sheet of one product, or a refusal page; null when answered. */
  async function sheetOf(req: Request, res: Response, who: { meetingId: bigint; personId: bigint }) {
    const ideaId = idParam.safeParse(req.params.ideaId);
    if (!ideaId.success) return refused(req, res, 404, 'scoring.notFound').then(() => null);
    try {
      const view = await deps.db.$transaction((tx) => productsToScore(tx, deps.rules, { ...who, now: deps.now() }));
      const product = view.products.find((p) => p.productIdeaId === ideaId.data);
      if (!product?.sheet) return refused(req, res, 404, 'scoring.notFound').then(() => null);
      const saved = await deps.db.$transaction((tx) => memberSheet(tx, { ...who, productIdeaId: ideaId.data }));
      return { view, product, sheet: product.sheet, saved };
    } catch (error) {
      if (error instanceof MeetingNotFoundError || error instanceof NotScoringMemberError) return refused(req, res, 404, 'scoring.notFound').then(() => null);
      throw error;
    }
  }

  async function sheetPage(req: Request, res: Response, status: number, problem?: string, flashKey?: string): Promise<void> {
    const who = await admit(req, res);
    if (!who) return;
    const found = await sheetOf(req, res, who);
    if (!found) return;
    const ctx = await kit.ctxOf(req);
    const { product, sheet, saved, view } = found;
    const back = `/console/scoring/${String(req.params.token)}`;
    const open = view.meeting.scoringOpenedAt !== null && view.meeting.scoringClosedAt === null && product.expected && !product.recorded;
    const form = sheetForm(ctx, sheet, saved, { action: `${back}/products/${String(product.productIdeaId)}`, autosave: open, csrf: false, problem });
    const note = !open ? html`<p class="flash ok">${ctx.t(product.recorded || view.meeting.scoringClosedAt ? 'scoring.closed' : !view.meeting.scoringOpenedAt ? 'scoring.notOpen' : 'scoring.notAsked')}</p>` : '';
    const flash = flashKey ? html`<p class="flash ok" role="status">${ctx.t(flashKey)}</p>` : '';
    kit.page(res, status, { ...ctx, ...(open ? { enhanced: true } : {}) }, product.productName, html`<p><a href="${back}">← ${ctx.t('scoring.allProducts')}</a></p>${flash}${note}<p class="meta">${product.receiptNumber}${product.round > 1 ? html` · ${ctx.t('scoring.round', { round: String(product.round) })}` : ''}</p>${form}`);
  }

  router.get('/scoring/:token/products/:ideaId', (req: Request, res: Response) => sheetPage(req, res, 200, undefined, typeof req.query.ok === 'string' && ['saved', 'submitted'].includes(req.query.ok) ? `scoring.flash.${req.query.ok}` : undefined));

  router.post('/scoring/:token/products/:ideaId', async (req: Request, res: Response) => {
    const who = await admit(req, res);
    if (!who) return;
    const ideaId = idParam.safeParse(req.params.ideaId);
    if (!ideaId.success) return refused(req, res, 404, 'scoring.notFound');
    const autosave = req.query.autosave === '1';
    const form = readSheetForm(req.body as Record<string, unknown>);
    const ctx = await kit.ctxOf(req);
    const submit = form.submit && !autosave;
    try {
      // A tap saves here, many times a minute per member: the save alone, the page only when refused.
      const saved = await deps.db.$transaction((tx) => saveSheet(tx, deps.rules, { ...who, productIdeaId: ideaId.data, answers: form.answers, disqualifiers: form.disqualifiers, note: form.note, submit, enteredBy: null, now: deps.now() }));
      if (autosave) {
        res.type('html').send(html`<p id="save-status" class="meta" role="status" aria-live="polite">${ctx.t('scoring.autosaved', { time: displayVietnamDateTime(saved.updatedAt).slice(-5), total: points(ctx, saved.totalHundredths / 100) })}</p>`.html);
        return;
      }
      res.redirect(303, submit ? `/console/scoring/${String(req.params.token)}?ok=submitted` : `${req.path}?ok=saved`);
    } catch (error) {
      if (error instanceof MeetingNotFoundError) return refused(req, res, 404, 'scoring.notFound');
      const found = await sheetOf(req, res, who);
      if (!found) return;
      const problem = refusalWords(ctx, found.sheet, error);
      if (autosave) {
        res.status(409).type('html').send(html`<p id="save-status" class="flash error" role="alert">${problem}</p>`.html);
        return;
      }
      // What they chose stays on the page, with what is missing.
      const ctxPage = await kit.ctxOf(req);
      const back = `/console/scoring/${String(req.params.token)}`;
      const kept = { answers: form.answers, disqualifiers: form.disqualifiers, note: form.note, status: 'draft' as const };
      kit.page(res, 422, { ...ctxPage, enhanced: true }, found.product.productName, html`<p><a href="${back}">← ${ctxPage.t('scoring.allProducts')}</a></p>${sheetForm(ctxPage, found.sheet, kept, { action: `${back}/products/${String(found.product.productIdeaId)}`, autosave: true, csrf: false, problem })}`);
    }
  });
}

/** The secretary's part of a meeting page: open scoring, the live board, paper sheets, close and tally. */
export function registerScoringBoard(
  router: Router,
  deps: ScoringPagesDeps,
  kit: PageKit,
): { section: (ctx: PageContext, meeting: { id: bigint; date: string; status: string; scoringOpenedAt: Date | null; scoringClosedAt: Date | null }, official: Official, query: Request['query']) => Promise<Html>; scoredOnPhones: (meetingId: bigint) => Promise<Set<bigint>> } {
  const visibleMeeting = async (req: Request) => {
    const official = kit.official(req);
    const id = idParam.safeParse(req.params.id);
    return id.success && mayRunScoring(official) ? deps.db.meeting.findFirst({ where: { id: id.data, council: { provinceCode: official.provinceCode }, status: { not: 'cancelled' } }, include: { council: { include: { members: { include: { person: true } } } } } }) : null;
  };

  async function board(ctx: PageContext, meetingId: bigint, official: Official, live: boolean): Promise<Html> {
    const { meeting, rows } = await deps.db.$transaction((tx) => scoringBoard(tx, deps.rules, { meetingId, provinceCode: official.provinceCode, now: deps.now() }));
    const people = new Map((await deps.db.councilPerson.findMany({ where: { id: { in: meeting.council.members.map((m) => m.personId) } } })).map((p) => [p.id, p.name]));
    const voting = rows[0]?.members ?? [];
    const head = html`<tr><th scope="col">${ctx.t('scoring.board.product')}</th>${voting.map((m) => html`<th scope="col">${people.get(m.personId) ?? String(m.personId)}</th>`)}</tr>`;
    const body = rows.map(
      (row) => html`<tr><th scope="row">${row.productName}${row.round > 1 ? html`<br><span class="meta">${ctx.t('scoring.round', { round: String(row.round) })}</span>` : ''}${row.recorded ? html`<br><span class="status accepted">${ctx.t('scoring.recorded')}</span>` : !row.sheetId ? html`<br><span class="status returned">${ctx.t('scoring.noSheet')}</span>` : ''}</th>${row.members.map((m) => {
        const cell = m.status === 'none' ? (m.expected ? '—' : '') : `${ctx.t(`scoring.board.${m.status}`)} ${m.totalHundredths === null ? '' : points(ctx, m.totalHundredths / 100)}`;
        const paper = m.enteredBy?.startsWith('official:') ? html` <span class="tag">${ctx.t('scoring.board.paper')}</span>` : '';
        const enter = m.expected && m.status !== 'submitted' && !row.recorded && row.sheetId && meeting.scoringOpenedAt && !meeting.scoringClosedAt ? html`<br><a href="/console/meetings/${String(meeting.id)}/scoring/people/${String(m.personId)}/products/${String(row.productIdeaId)}">${ctx.t('scoring.board.enterPaper')}</a>` : '';
        return html`<td>${cell}${paper}${enter}</td>`;
      })}</tr>`,
    );
    const refresh = live ? html` hx-get="/console/meetings/${String(meeting.id)}/scoring/board" hx-trigger="every ${String(boardRefreshSeconds)}s" hx-swap="outerHTML"` : '';
    return html`<div id="scoring-board" aria-live="polite"${refresh}><div class="table-wrap" tabindex="0"><table class="numbers"><caption>${ctx.t('scoring.board.caption')}</caption><thead>${head}</thead><tbody>${body}</tbody></table></div></div>`;
  }

  router.get('/meetings/:id/scoring/board', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    if (!meeting) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    res.type('html').send((await board(ctx, meeting.id, kit.official(req), meeting.scoringOpenedAt !== null && meeting.scoringClosedAt === null)).html);
  });

  router.post('/meetings/:id/scoring/open', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    if (!meeting) return kit.notFound(req, res);
    const official = kit.official(req);
    try {
      const ids = await deps.db.$transaction(async (tx) => {
        const opened = await openScoring(tx, { meetingId: meeting.id, provinceCode: official.provinceCode, now: deps.now() });
        // Sent once on opening; "send again" sends everyone a fresh message (a member who lost it).
        const occasion = opened.opened ? 'open' : `again:${deps.now().getTime()}`;
        return linkMessages(deps, tx, meeting, opened.people, occasion, (locale, name) => deps.translate(locale, 'scoring.message.open', { name, council: meeting.council.name, date: displayDate(meeting.date) }));
      });
      await enqueueCommitted(deps.enqueueOutbound, ids, deps.logger);
    } catch (error) {
      if (error instanceof ScoringNotOpenError || error instanceof ScoringClosedError) return res.redirect(303, `/console/meetings/${String(meeting.id)}?scoring=notYet`);
      throw error;
    }
    res.redirect(303, `/console/meetings/${String(meeting.id)}?scoring=opened`);
  });

  router.post('/meetings/:id/scoring/close', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    if (!meeting) return kit.notFound(req, res);
    const official = kit.official(req);
    let outcomes: TallyOutcome[];
    try {
      const tallied = await deps.db.$transaction(async (tx) => {
        const result = await tallyScoring(tx, deps.rules, { meetingId: meeting.id, provinceCode: official.provinceCode, by: official.name, now: deps.now() });
        const ids: bigint[] = [];
        for (const o of result.outcomes) {
          if (o.outcome !== 'rescore') continue;
          const idea = await tx.productIdea.findUniqueOrThrow({ where: { id: o.productIdeaId } });
          ids.push(...(await linkMessages(deps, tx, meeting, o.people, `rescore:${o.productIdeaId}:${o.round}`, (locale, name) => deps.translate(locale, 'scoring.message.rescore', { name, product: idea.productName, allowed: String(deps.rules.settingsFor(official.provinceCode).scoreSpread), lowest: String(o.lowest), highest: String(o.highest) }))));
        }
        return { ...result, ids };
      });
      await enqueueCommitted(deps.enqueueOutbound, tallied.ids, deps.logger);
      outcomes = tallied.outcomes;
    } catch (error) {
      if (error instanceof ScoringNotOpenError || error instanceof ScoringClosedError) return res.redirect(303, `/console/meetings/${String(meeting.id)}?scoring=notYet`);
      throw error;
    }
    const count = (kind: TallyOutcome['outcome']) => String(outcomes.filter((o) => o.outcome === kind).length);
    const summary = new URLSearchParams({ scoring: 'tallied', recorded: count('recorded'), rescore: count('rescore'), waiting: count('waiting'), noQuorum: count('noQuorum'), noSheet: count('noSheet') });
    res.redirect(303, `/console/meetings/${String(meeting.id)}?${summary.toString()}`);
  });

  /** A member's paper sheet, typed in by the secretary: the same form, recorded as entered by them. */
  async function paperSheet(req: Request, res: Response, status: number, problem?: string, kept?: Pick<ScoreSheet, 'answers' | 'disqualifiers' | 'note' | 'status'>) {
    const meeting = await visibleMeeting(req);
    const personId = idParam.safeParse(req.params.personId);
    const ideaId = idParam.safeParse(req.params.ideaId);
    if (!meeting || !personId.success || !ideaId.success) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    try {
      const view = await deps.db.$transaction((tx) => productsToScore(tx, deps.rules, { meetingId: meeting.id, personId: personId.data, now: deps.now() }));
      const product = view.products.find((p) => p.productIdeaId === ideaId.data);
      if (!product?.sheet) return kit.notFound(req, res);
      const saved = kept ?? (await deps.db.$transaction((tx) => memberSheet(tx, { meetingId: meeting.id, personId: personId.data, productIdeaId: ideaId.data })));
      const name = meeting.council.members.find((m) => m.personId === personId.data)?.person.name ?? '';
      const form = sheetForm(ctx, product.sheet, saved, { action: req.path.startsWith('/console') ? req.path : `/console${req.path}`, autosave: false, csrf: true, problem });
      kit.page(res, status, ctx, ctx.t('scoring.paperTitle', { name, product: product.productName }), html`<p><a href="/console/meetings/${String(meeting.id)}">← ${ctx.t('console.meeting.title', { date: displayDate(meeting.date) })}</a></p><p class="meta">${ctx.t('scoring.paperHint')}</p>${form}`);
    } catch (error) {
      if (error instanceof NotScoringMemberError || error instanceof MeetingNotFoundError) return kit.notFound(req, res);
      throw error;
    }
  }

  router.get('/meetings/:id/scoring/people/:personId/products/:ideaId', (req: Request, res: Response) => paperSheet(req, res, 200));

  router.post('/meetings/:id/scoring/people/:personId/products/:ideaId', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    const personId = idParam.safeParse(req.params.personId);
    const ideaId = idParam.safeParse(req.params.ideaId);
    if (!meeting || !personId.success || !ideaId.success) return kit.notFound(req, res);
    const official = kit.official(req);
    const ctx = await kit.ctxOf(req);
    const idea = await deps.db.productIdea.findUnique({ where: { id: ideaId.data } });
    const view = idea ? await deps.db.$transaction((tx) => productsToScore(tx, deps.rules, { meetingId: meeting.id, personId: personId.data, now: deps.now() })).catch(() => null) : null;
    const sheet = view?.products.find((p) => p.productIdeaId === ideaId.data)?.sheet;
    if (!sheet) return kit.notFound(req, res);
    const form = readSheetForm(req.body as Record<string, unknown>);
    try {
      await deps.db.$transaction((tx) => saveSheet(tx, deps.rules, { meetingId: meeting.id, personId: personId.data, productIdeaId: ideaId.data, answers: form.answers, disqualifiers: form.disqualifiers, note: form.note, submit: form.submit, enteredBy: `official:${official.id}`, provinceCode: official.provinceCode, now: deps.now() }));
    } catch (error) {
      const problem = refusalWords(ctx, sheet, error);
      return paperSheet(req, res, 422, problem, { answers: form.answers, disqualifiers: form.disqualifiers, note: form.note, status: 'draft' });
    }
    res.redirect(303, `/console/meetings/${String(meeting.id)}?scoring=${form.submit ? 'paperSubmitted' : 'paperSaved'}`);
  });

  return {
    async scoredOnPhones(meetingId) {
      return deps.db.$transaction(async (tx) => {
        const products = await tx.meetingProduct.findMany({ where: { meetingId }, select: { productIdeaId: true } });
        const sheets = await sheetsOfIdeas(tx, deps.rules, products.map((p) => p.productIdeaId), deps.now());
        return new Set([...sheets].filter(([, s]) => s.sheet !== null).map(([id]) => id));
      });
    },
    async section(ctx, meeting, official, query) {
      if (meeting.status !== 'locked') return html``;
      const heading = html`<h2 id="scoring">${ctx.t('scoring.board.title')}</h2>${scoringFlash(ctx, query)}`;
      if (!meeting.scoringOpenedAt) {
        const today = vietnamDateOf(deps.now());
        if (meeting.date > today) return html`${heading}<p>${ctx.t('scoring.board.opensOn', { date: displayDate(meeting.date) })}</p>`;
        return html`${heading}${postForm(ctx, `/console/meetings/${String(meeting.id)}/scoring/open`, html`<p>${ctx.t('scoring.board.openHint')}</p><button type="submit">${ctx.t('scoring.board.open')}</button>`, { className: 'actions' })}`;
      }
      const live = meeting.scoringClosedAt === null;
      const close = live ? postForm(ctx, `/console/meetings/${String(meeting.id)}/scoring/close`, html`<p class="meta">${ctx.t('scoring.board.closeHint')}</p><button type="submit">${ctx.t('scoring.board.close')}</button>`, { className: 'actions' }) : html`<p class="flash ok">${ctx.t('scoring.board.closedAt', { time: displayVietnamDateTime(meeting.scoringClosedAt!) })}</p>`;
      const resend = live ? postForm(ctx, `/console/meetings/${String(meeting.id)}/scoring/open`, html`<button type="submit" class="secondary">${ctx.t('scoring.board.resend')}</button>`) : '';
      return html`${heading}${await board(ctx, meeting.id, official, live)}${close}${resend}`;
    },
  };
}

/** The flash a meeting page shows after a scoring action (query `scoring=` and the tally's counts). */
function scoringFlash(ctx: PageContext, query: Request['query']): Html {
  const kind = z.enum(['opened', 'notYet', 'tallied', 'paperSaved', 'paperSubmitted']).safeParse(query.scoring);
  if (!kind.success) return html``;
  if (kind.data !== 'tallied') return html`<p class="flash ${kind.data === 'notYet' ? 'error' : 'ok'}" role="status">${ctx.t(`scoring.flash.${kind.data}`)}</p>`;
  const n = (key: string) => (typeof query[key] === 'string' && /^\d{1,4}$/.test(query[key]) ? query[key] : '0');
  return html`<p class="flash ok" role="status">${ctx.t('scoring.flash.tallied', { recorded: n('recorded'), rescore: n('rescore'), waiting: n('waiting'), noQuorum: n('noQuorum'), noSheet: n('noSheet') })}</p>`;
}
