import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { addDays, dayOfWeek, displayDate, displayVietnamDateTime, makeCalendarDate, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import { deliveryDeadline, earliestMeetingDate, isWorkingDay } from '../calendar/working-days.js';
import { reinviteCouncilPerson } from '../council/council-people.js';
import { createCouncil } from '../council/create-council.js';
import type { CouncilRole } from '../db/generated/client.js';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import { validateAnswer } from '../text/validators.js';
import { reportMeetingDeliveries } from '../council/delivery-report.js';
import { renderMeetingDeliveryReport } from '../council/render-delivery-report.js';
import { MeetingNotHeldError, NoQuorumError, recordResults, ResultsAlreadyRecordedError, ResultsInputError, ScoreSpreadError, type EvaluationRules } from '../council/evaluation-results.js';
import { displayAverage } from '../ocop/scoring.js';
import type { Translate } from '../i18n/translator.js';
import { MeetingProductsNotReadyError, MeetingTooSoonError, scheduleMeeting, type MeetingRules } from '../council/schedule-meeting.js';
import type { Database } from '../db/database.js';
import type { Official } from '../db/generated/client.js';
import type { Logger } from '../observability/logger.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { displayPhone } from '../text/phone.js';
import { html, postForm, raw, type Html, type PageContext } from './console-html.js';
import { sendDownload } from '../storage/send-stored-file.js';

// Meetings in the console, for the province unit and council secretaries: a month calendar
// with days off and swapped working days, a date's delivery deadline before anything is
// saved, scheduling from checked dossiers, and each meeting's live delivery board.

export interface MeetingPagesDeps {
  db: Database;
  translate: Translate;
  /** the rule sets and provinces' settings a council's results are judged by */
  evaluation: EvaluationRules;
  logger: Logger;
  now: () => Date;
  meetings: MeetingRules;
  /** Sends a meeting's dossiers to its council; returns outbox ids. */
  distribute: (meetingId: bigint) => Promise<bigint[]>;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** how long a re-issued invitation code stays valid */
  invitationTtlHours: number;
  /** scoring on the members' phones: the meeting page's part (console-scoring.ts); none without sheets */
  scoring?: {
    section: (ctx: PageContext, meeting: { id: bigint; date: string; status: string; scoringOpenedAt: Date | null; scoringClosedAt: Date | null }, official: Official, query: Request['query']) => Promise<Html>;
    /** the meeting's products that have a scoring sheet: their results come from the tally */
    scoredOnPhones: (meetingId: bigint) => Promise<Set<bigint>>;
  };
  /** the province's recognition decision on the results: the meeting page's part (console-recognition.ts) */
  recognition?: { section: (ctx: PageContext, meeting: { id: bigint }, official: Official, query: Request['query']) => Promise<Html> };
  /** the OA's chat, for a QR code beside an invitation code */
  oaChatUrl?: string;
}

/** What the console's router lends its pages: the page context, rendering, the official, 404. */
export interface PageKit {
  ctxOf(req: Request, flash?: { kind: 'ok' | 'error'; key: string }): Promise<PageContext>;
  page(res: Response, status: number, ctx: PageContext, title: string, body: Html): void;
  official(req: Request): Official;
  notFound(req: Request, res: Response): Promise<void>;
}

const monthQuery = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
const dateQuery = z.iso.date();
const meetingForm = z.object({
  council: z.string().regex(/^\d{1,18}$/).transform(BigInt),
  date: z.iso.date(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
  place: z.string().trim().min(2).max(200),
  products: z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v])).pipe(z.array(z.string().regex(/^\d{1,18}$/).transform(BigInt)).min(1)),
});
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
/** The scores a result keeps, as recorded (council/evaluation-results.ts). */
const resultScores = z.array(z.object({ personId: z.string(), score: z.number() }).loose());
/** The criteria whose star marks held a result below its band, as the result keeps them. */
const cappedCriteria = z.array(z.object({ code: z.string(), level: z.number(), title: z.string() }));
/** How often a locked meeting's delivery board asks for itself again. */
const boardRefreshSeconds = 5;

const roleWords: Record<string, CouncilRole> = {
  'chu tich': 'chair', chair: 'chair',
  'thanh vien': 'member', member: 'member',
  'to giup viec': 'helper', 'giup viec': 'helper', 'to tu van': 'helper', helper: 'helper',
  'thu ky': 'secretary', secretary: 'secretary',
};

/**
 * The members as typed, one per line: "Họ tên; điện thoại; vai trò" (the phone may be left
 * empty). Returns the members, or the numbers of the lines that could not be read.
 */
export function parseMemberLines(text: string, now: Date): { ok: true; members: { name: string; phone: string | null; role: CouncilRole }[] } | { ok: false; lines: number[] } {
  const members: { name: string; phone: string | null; role: CouncilRole }[] = [];
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const [name = '', phone = '', role = ''] = line.split(';').map((part) => toNfc(part.trim()));
    const roleCode = roleWords[toMatchKey(role)];
    const parsedPhone = phone === '' ? undefined : validateAnswer('phone', {}, phone, { now });
    if (name.length < 2 || !roleCode || (parsedPhone && !parsedPhone.ok)) {
      bad.push(index + 1);
      return;
    }
    members.push({ name, phone: parsedPhone?.ok ? String(parsedPhone.value) : null, role: roleCode });
  });
  return bad.length > 0 ? { ok: false, lines: bad } : { ok: true, members };
}

/** Meetings belong to the province: its unit and its council secretaries work on them. */
const mayPlan = (official: Official) => official.role === 'province' || official.role === 'secretary';

export function registerMeetingPages(router: Router, deps: MeetingPagesDeps, kit: PageKit): void {
  const settingsOf = (official: Official) => deps.meetings.settingsFor(official.provinceCode);
  const lead = (official: Official) => ({ leadWorkingDays: settingsOf(official).leadWorkingDays, officeOpens: settingsOf(official).officeOpens });

  /** The month grid, Monday first: days off shaded, swapped Saturdays marked, meetings linked. */
  function monthGrid(ctx: PageContext, month: string, meetings: { id: bigint; date: string; time: string; council: { name: string } }[]): Html {
    const first = makeCalendarDate(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1);
    const start = addDays(first, -((dayOfWeek(first) === 'sunday' ? 7 : ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].indexOf(dayOfWeek(first)) + 1) - 1));
    const cells: Html[] = [];
    for (let i = 0; i < 42; i += 1) {
      const day = addDays(start, i);
      const inMonth = day.slice(0, 7) === month;
      const working = isWorkingDay(deps.meetings.calendar, day);
      const swapped = deps.meetings.calendar.workingWeekendDays.has(day);
      const here = meetings.filter((m) => m.date === day);
      const classes = ['day', inMonth ? '' : 'other', working ? '' : 'off', swapped ? 'swapped' : ''].filter(Boolean).join(' ');
      cells.push(html`<div class="${classes}"><span class="n">${day.slice(8)}</span>${swapped ? html`<span class="mark">${ctx.t('console.meetings.swapped')}</span>` : ''}${
        here.map((m) => html`<a href="/console/meetings/${String(m.id)}">${m.time} ${m.council.name}</a>`)
      }</div>`);
    }
    const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => html`<div class="dow">${ctx.t(`console.meetings.dow.${d}`)}</div>`);
    return html`<div class="month" role="grid">${names}${cells}</div><p class="meta">${ctx.t('console.meetings.legend')}</p>`;
  }

  function deadlineNote(ctx: PageContext, official: Official, date: CalendarDate): Html {
    const deadline = deliveryDeadline(deps.meetings.calendar, { ...lead(official), meetingDate: date });
    if (deadline.instant.getTime() <= deps.now().getTime()) {
      const earliest = earliestMeetingDate(deps.meetings.calendar, { ...lead(official), now: deps.now() });
      return html`<p class="flash error">${ctx.t('console.meetings.tooSoon', { date: displayDate(date), days: String(lead(official).leadWorkingDays), earliest: displayDate(earliest) })}</p>`;
    }
    return html`<p class="flash ok">${ctx.t('console.meetings.deadline', { date: displayDate(date), deadline: displayDate(deadline.date), time: deadline.officeOpens, days: String(lead(official).leadWorkingDays) })}</p>`;
  }

  async function meetingsPage(req: Request, res: Response, problem?: Html) {
    const official = kit.official(req);
    const ctx = await kit.ctxOf(req);
    if (!mayPlan(official)) return kit.notFound(req, res);
    const today = vietnamDateOf(deps.now());
    const month = monthQuery.safeParse(req.query.month).data ?? today.slice(0, 7);
    const picked = dateQuery.safeParse(req.query.date).data as CalendarDate | undefined;
    const province = official.provinceCode;
    // Checked dossiers of the province already on a meeting that still stands are not offered again.
    const onMeetings = await deps.db.meetingProduct.findMany({ where: { meeting: { status: { not: 'cancelled' }, council: { provinceCode: province } } }, select: { productIdeaId: true } });
    const [meetings, councils, ready] = await Promise.all([
      deps.db.meeting.findMany({ where: { council: { provinceCode: province }, status: { not: 'cancelled' }, date: { startsWith: month } }, include: { council: true }, orderBy: [{ date: 'asc' }, { time: 'asc' }] }),
      deps.db.council.findMany({ where: { provinceCode: province }, orderBy: { id: 'desc' } }),
      deps.db.productIdea.findMany({
        where: { provinceCode: province, dossier: { status: 'checked' }, NOT: { id: { in: onMeetings.map((p) => p.productIdeaId) } } },
        include: { producer: true },
        orderBy: { id: 'asc' },
      }),
    ]);
    const [year, monthNumber] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
    const shift = (by: number) => {
      const index = year * 12 + monthNumber - 1 + by;
      return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    };
    const schedule = councils.length
      ? postForm(
          ctx,
          '/console/meetings',
          html`<h2>${ctx.t('console.meetings.new')}</h2>
            <label>${ctx.t('console.meetings.council')}<select name="council">${councils.map((c) => html`<option value="${String(c.id)}">${c.name} (${String(c.year)})</option>`)}</select></label>
            <label>${ctx.t('console.meetings.date')}<input type="date" name="date" required value="${picked ?? ''}"></label>
            <label>${ctx.t('console.meetings.time')}<input type="time" name="time" required value="08:00"></label>
            <label>${ctx.t('console.meetings.place')}<input type="text" name="place" required minlength="2" maxlength="200"></label>
            <fieldset><legend>${ctx.t('console.meetings.products')}</legend>${
              ready.length > 0
                ? ready.map((idea) => html`<label class="check"><input type="checkbox" name="products" value="${String(idea.id)}"> ${idea.productName} · ${idea.receiptNumber} · ${idea.producer.name}</label>`)
                : html`<p>${ctx.t('console.meetings.noProducts')}</p>`
            }</fieldset>
            <button type="submit">${ctx.t('console.meetings.schedule')}</button>`,
          { className: 'actions' },
        )
      : html`<p>${ctx.t('console.meetings.noCouncil')}</p>`;
    const body = html`${problem ?? ''}
      <nav class="months"><a href="/console/meetings?month=${shift(-1)}">← ${shift(-1).split('-').reverse().join('/')}</a> <strong>${month.split('-').reverse().join('/')}</strong> <a href="/console/meetings?month=${shift(1)}">${shift(1).split('-').reverse().join('/')} →</a></nav>
      ${monthGrid(ctx, month, meetings)}
      <form method="get" action="/console/meetings" class="filters"><input type="hidden" name="month" value="${month}">
        <label>${ctx.t('console.meetings.checkDate')}<input type="date" name="date" required value="${picked ?? ''}"></label><button type="submit" class="secondary">${ctx.t('console.meetings.showDeadline')}</button></form>
      ${picked ? deadlineNote(ctx, official, picked) : ''}
      ${schedule}`;
    kit.page(res, problem ? 400 : 200, ctx, ctx.t('console.meetings.title'), body);
  }

  router.get('/meetings', (req, res) => meetingsPage(req, res));

  router.post('/meetings', async (req: Request, res: Response) => {
    const official = kit.official(req);
    if (!mayPlan(official)) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const form = meetingForm.safeParse(req.body);
    if (!form.success) return meetingsPage(req, res, html`<p class="flash error">${ctx.t('console.meetings.formIncomplete')}</p>`);
    const council = await deps.db.council.findFirst({ where: { id: form.data.council, provinceCode: official.provinceCode } });
    if (!council) return kit.notFound(req, res);
    try {
      const meeting = await deps.db.$transaction((tx) =>
        scheduleMeeting(tx, deps.meetings, { councilId: council.id, provinceCode: official.provinceCode, by: `console:${official.id}`, now: deps.now(), date: form.data.date, time: form.data.time, place: form.data.place, productIdeaIds: form.data.products }),
      );
      res.redirect(303, `/console/meetings/${String(meeting.id)}?ok=scheduled`);
    } catch (error) {
      if (error instanceof MeetingTooSoonError) {
        return meetingsPage(req, res, html`<p class="flash error">${ctx.t('console.meetings.tooSoon', { date: displayDate(form.data.date), days: String(error.leadWorkingDays), earliest: displayDate(error.earliest) })}</p>`);
      }
      if (error instanceof MeetingProductsNotReadyError) return meetingsPage(req, res, html`<p class="flash error">${ctx.t('console.meetings.notReady')}</p>`);
      throw error;
    }
  });

  /** The meeting of the official's province with this id, or null (another province's is as unknown). */
  const visibleMeeting = async (req: Request) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    return parsed.success && mayPlan(official) ? deps.db.meeting.findFirst({ where: { id: parsed.data.id, council: { provinceCode: official.provinceCode } }, include: { council: true, products: true } }) : null;
  };

  /**
   * Who has received what: person × product, sent, received, seen, acknowledged. While the
   * meeting is locked the board asks for itself again every few seconds (htmx) and replaces
   * itself in place; screen readers hear the change, politely.
   */
  async function deliveryBoard(ctx: PageContext, meeting: { id: bigint; status: string }): Promise<Html> {
    const rows = await reportMeetingDeliveries(deps.db, meeting.id);
    const cards = rows.length
      ? html`<ul class="cards">${rows.map(
          (r) => html`<li class="card delivery ${r.status}"><strong>${r.person}</strong> · ${ctx.t(`council.role.${r.role}`)}<div>${r.product ?? ctx.t('console.meeting.details')}</div><div class="meta">${ctx.t(`console.meeting.status.${r.status}`)}${
            r.acknowledgedAt ? html` · ${displayVietnamDateTime(r.acknowledgedAt)}` : r.seenAt ? html` · ${displayVietnamDateTime(r.seenAt)}` : ''
          }</div></li>`,
        )}</ul>`
      : html`<p>${ctx.t('console.meeting.notSent')}</p>`;
    const live = meeting.status === 'locked' ? html` hx-get="/console/meetings/${String(meeting.id)}/board" hx-trigger="every ${String(boardRefreshSeconds)}s" hx-swap="outerHTML"` : '';
    return html`<div id="delivery-board" aria-live="polite"${live}>${cards}</div>`;
  }

  // The board alone, for the page to refresh it in place.
  router.get('/meetings/:id/board', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    if (!meeting) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    res.type('html').send((await deliveryBoard(ctx, meeting)).html);
  });

  // One meeting: its products, the deadline, and who has received what (a live board).
  router.get('/meetings/:id', async (req: Request, res: Response) => {
    const meeting = await visibleMeeting(req);
    if (!meeting) return kit.notFound(req, res);
    const ok = z.enum(['scheduled', 'locked', 'resultsRecorded', 'resultsCorrected']).safeParse(req.query.ok);
    const flashKeys = { scheduled: 'meetingScheduled', locked: 'meetingLocked', resultsRecorded: 'resultsRecorded', resultsCorrected: 'resultsCorrected' } as const;
    const failed = req.query.error === 'correctionReason';
    const ctx = { ...(await kit.ctxOf(req, ok.success ? { kind: 'ok', key: flashKeys[ok.data] } : failed ? { kind: 'error', key: 'correctionReason' } : undefined)), ...(meeting.status === 'locked' ? { liveEverySeconds: 30 } : {}) };
    const ideas = await deps.db.productIdea.findMany({ where: { id: { in: meeting.products.map((p) => p.productIdeaId) } }, orderBy: { id: 'asc' } });
    const rows = await reportMeetingDeliveries(deps.db, meeting.id);
    const deadline = displayVietnamDateTime(meeting.deliveryDeadline);
    const board = await deliveryBoard(ctx, meeting);
    const lock =
      meeting.status === 'scheduled'
        ? postForm(ctx, `/console/meetings/${String(meeting.id)}/lock`, html`<p>${ctx.t('console.meeting.lockHint')}</p><button type="submit">${ctx.t('console.meeting.lock')}</button>`, { className: 'actions' })
        : '';
    const results = await resultsSection(ctx, meeting, ideas);
    const body = html`<dl class="facts">
        <dt>${ctx.t('console.meetings.council')}</dt><dd>${meeting.council.name}</dd>
        <dt>${ctx.t('console.meetings.date')}</dt><dd>${displayDate(meeting.date)} ${meeting.time} · ${meeting.place}</dd>
        <dt>${ctx.t('console.meeting.deadline')}</dt><dd>${ctx.t('console.meeting.deadlineValue', { deadline, days: String(meeting.leadWorkingDays) })}</dd>
        <dt>${ctx.t('console.meeting.state')}</dt><dd>${ctx.t(`console.meeting.${meeting.status}`)}</dd>
        <dt>${ctx.t('console.meetings.products')}</dt><dd>${ideas.map((i) => html`${i.productName} (${i.receiptNumber})<br>`)}</dd>
      </dl>
      ${lock}
      <h2>${ctx.t('console.meeting.board')}</h2>${board}
      ${rows.length ? html`<p><a class="button secondary" href="/console/meetings/${String(meeting.id)}/deliveries.pdf">${ctx.t('console.meeting.proofPdf')}</a></p>` : ''}
      ${deps.scoring ? await deps.scoring.section(ctx, meeting, kit.official(req), req.query) : ''}
      ${results}
      ${deps.recognition ? await deps.recognition.section(ctx, meeting, kit.official(req), req.query) : ''}`;
    kit.page(res, 200, ctx, ctx.t('console.meeting.title', { date: displayDate(meeting.date) }), body);
  });

  /**
   * A QR code (inline SVG, drawn here: no script, no outside service) that opens the OA's
   * chat on a phone, where the person then sends their code; none without the OA's address.
   */
  async function invitationQr(ctx: PageContext, code: string): Promise<Html | undefined> {
    if (!deps.oaChatUrl) return undefined;
    const { toString } = await import('qrcode');
    const svg = await toString(deps.oaChatUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 176 });
    return html`<figure class="qr">${raw(svg)}<figcaption>${ctx.t('console.councils.qrCaption', { code })} <a href="${deps.oaChatUrl}">${deps.oaChatUrl}</a></figcaption></figure>`;
  }

  // The province's councils: who sits on each, who has linked Zalo, and fresh invitation codes.
  async function councilsPage(req: Request, res: Response, issued?: { personId: bigint; code: string; expiresAt: Date }, created?: Html, status = 200) {
    const official = kit.official(req);
    if (!mayPlan(official)) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const councils = await deps.db.council.findMany({ where: { provinceCode: official.provinceCode }, include: { members: { include: { person: true }, orderBy: { personId: 'asc' } } }, orderBy: { id: 'desc' } });
    const qr = issued ? await invitationQr(ctx, issued.code) : undefined;
    const cards = councils.map(
      (council) => html`<section class="card"><h2>${council.name} (${String(council.year)})</h2><ul class="people">${council.members.map((m) => {
        const person = m.person;
        const linked = person.zaloUserId
          ? html`<span class="status accepted">${ctx.t('console.councils.linked', { date: displayDate(vietnamDateOf(person.linkedAt ?? person.createdAt)) })}</span>`
          : html`<span class="status returned">${ctx.t('console.councils.notLinked')}</span>${person.invitationExpiresAt ? html` <span class="meta">${ctx.t('console.councils.codeUntil', { date: displayVietnamDateTime(person.invitationExpiresAt) })}</span>` : ''}`;
        const code =
          issued?.personId === person.id ? html`<p class="flash ok">${ctx.t('console.councils.newCode', { code: issued.code, date: displayVietnamDateTime(issued.expiresAt) })}</p>${qr ?? ''}` : '';
        const reissue = person.zaloUserId ? '' : postForm(ctx, `/console/councils/people/${String(person.id)}/invitation`, html`<button type="submit" class="secondary">${ctx.t('console.councils.reissue')}</button>`);
        return html`<li><strong>${person.name}</strong> · ${ctx.t(`council.role.${m.role}`)}${person.phone ? html` · ${displayPhone(person.phone)}` : ''}<div>${linked}</div>${code}${reissue}</li>`;
      })}</ul></section>`,
    );
    const create =
      official.role === 'province'
        ? postForm(
            ctx,
            '/console/councils',
            html`<h2>${ctx.t('console.councils.new')}</h2>
              <label>${ctx.t('console.councils.name')}<input type="text" name="name" required minlength="3" maxlength="200"></label>
              <label>${ctx.t('console.councils.year')}<input type="number" name="year" required min="2020" max="2100" value="${vietnamDateOf(deps.now()).slice(0, 4)}"></label>
              <label>${ctx.t('console.councils.members')}<textarea name="members" required rows="6" placeholder="${ctx.t('console.councils.membersExample')}"></textarea></label>
              <p class="meta">${ctx.t('console.councils.membersHint')}</p>
              <button type="submit">${ctx.t('console.councils.create')}</button>`,
            { className: 'actions' },
          )
        : '';
    const list = cards.length > 0 ? html`<p>${ctx.t('console.councils.howToLink')}</p><div class="cards">${cards}</div>` : html`<p>${ctx.t('console.councils.none')}</p>`;
    kit.page(res, status, ctx, ctx.t('console.councils.title'), html`${created ?? ''}${list}${create}`);
  }

  router.post('/councils', async (req: Request, res: Response) => {
    const official = kit.official(req);
    if (official.role !== 'province') return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const form = z.object({ name: z.string().trim().min(3).max(200), year: z.coerce.number().int().min(2020).max(2100), members: z.string().max(20_000) }).safeParse(req.body);
    const members = form.success ? parseMemberLines(form.data.members, deps.now()) : { ok: false as const, lines: [] };
    const roles = members.ok ? members.members.map((m) => m.role) : [];
    const problem = !form.success
      ? ctx.t('console.councils.formIncomplete')
      : !members.ok
        ? ctx.t('console.councils.badLines', { lines: members.lines.join(', ') })
        : roles.filter((r) => r === 'chair').length !== 1 || !roles.includes('secretary') || roles.length < 3
          ? ctx.t('console.councils.composition')
          : undefined;
    if (problem || !form.success || !members.ok) return councilsPage(req, res, undefined, html`<p class="flash error">${problem ?? ''}</p>`, 400);
    // The codes answer the POST itself (an address would keep them in logs and history), so
    // reloading that answer posts the form again: the same council is not made twice.
    if (await deps.db.council.findFirst({ where: { provinceCode: official.provinceCode, name: form.data.name, year: form.data.year }, select: { id: true } })) {
      return councilsPage(req, res, undefined, html`<p class="flash error">${ctx.t('console.councils.exists', { name: form.data.name, year: String(form.data.year) })}</p>`, 409);
    }
    const created = await deps.db.$transaction((tx) =>
      createCouncil(tx, { name: form.data.name, level: 'province', year: form.data.year, provinceCode: official.provinceCode, createdBy: `console:${String(official.id)}`, members: members.members, now: deps.now(), ttlHours: deps.invitationTtlHours }),
    );
    // The codes are shown once, here: each person sends theirs to the OA from their own Zalo.
    const codes = html`<div class="flash ok"><p>${ctx.t('console.councils.created', { name: created.council.name })}</p><ul>${created.members.map(
      (m) => html`<li>${m.person.name} · ${ctx.t(`council.role.${m.role}`)}${m.invitationCode ? html` · <strong class="code">${m.invitationCode}</strong> (${ctx.t('console.councils.codeUntil', { date: displayVietnamDateTime(m.expiresAt ?? deps.now()) })})` : ''}</li>`,
    )}</ul></div>`;
    await councilsPage(req, res, undefined, codes, 201);
  });

  router.get('/councils', (req, res) => councilsPage(req, res));

  router.post('/councils/people/:id/invitation', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const person = parsed.success && mayPlan(official) ? await deps.db.councilPerson.findFirst({ where: { id: parsed.data.id, provinceCode: official.provinceCode, zaloUserId: null } }) : null;
    if (!person) return kit.notFound(req, res);
    const issued = await deps.db.$transaction((tx) => reinviteCouncilPerson(tx, { personId: person.id, now: deps.now(), ttlHours: deps.invitationTtlHours }));
    // Shown once, on this answer: a code in a redirect's address would be kept in logs and history.
    await councilsPage(req, res, { personId: person.id, code: issued.invitationCode, expiresAt: issued.expiresAt });
  });

  /**
   * The council's results: recorded ones with their average and stars; once the meeting
   * day has come and none is recorded, the form — who was present, and each present
   * scoring member's score of each product.
   */
  async function resultsSection(ctx: PageContext, meeting: { id: bigint; date: string; councilId: bigint; scoringOpenedAt: Date | null }, ideas: { id: bigint; productName: string }[], problem?: string): Promise<Html> {
    const all = await deps.db.evaluationResult.findMany({ where: { meetingId: meeting.id }, orderBy: [{ productIdeaId: 'asc' }, { revision: 'desc' }] });
    const recorded = all.filter((r) => r.supersededAt === null);
    let shown: Html = html``;
    if (recorded.length > 0) {
      const nameOf = new Map(ideas.map((i) => [i.id, i.productName]));
      const people = new Map((await deps.db.councilPerson.findMany({ where: { id: { in: [...new Set(recorded.flatMap((r) => r.presentIds))] } } })).map((p) => [p.id, p.name]));
      const line = (r: (typeof all)[number]) => ctx.t('console.results.line', { average: displayAverage(ctx.locale, r.scoreSumHundredths, r.scoreCount), stars: String(r.stars), count: String(r.scoreCount) });
      shown = html`<h2>${ctx.t('console.results.title')}</h2><ul class="cards">${recorded.map((r) => {
        const earlier = all.filter((e) => e.productIdeaId === r.productIdeaId && e.supersededAt !== null);
        const scores = resultScores.safeParse(r.scores);
        const scoreOf = new Map((scores.success ? scores.data : []).map((s) => [s.personId, s.score]));
        // A correction: each present member's score again (today's filled in), and why.
        const correct = postForm(
          ctx,
          `/console/meetings/${String(meeting.id)}/results`,
          html`<details><summary>${ctx.t('console.results.correct')}</summary>
            <input type="hidden" name="product" value="${String(r.productIdeaId)}">
            ${r.presentIds.map((id) => html`<input type="hidden" name="present" value="${String(id)}">`)}
            ${r.presentIds.filter((id) => scoreOf.has(String(id))).map(
              (id) => html`<label>${people.get(id) ?? String(id)}<input type="number" name="score_${String(r.productIdeaId)}_${String(id)}" min="0" max="100" step="0.01" inputmode="decimal" required value="${String(scoreOf.get(String(id)) ?? '')}"></label>`,
            )}
            <label>${ctx.t('console.results.reason')}<textarea name="reason" required minlength="5" maxlength="1000" rows="3"></textarea></label>
            <button type="submit" class="secondary">${ctx.t('console.results.saveCorrection')}</button></details>`,
        );
        // Scored on the sheet: a missed star mark or a disqualification decides, and says so.
        const capped = cappedCriteria.safeParse(r.cappedBy);
        const held = r.bandStars !== null && capped.success ? html`<div class="meta">${ctx.t('console.results.capped', { band: String(r.bandStars), stars: String(r.stars), criteria: capped.data.map((c) => `${c.code}. ${c.title}`).join('; ') })}</div>` : '';
        const standing = r.disqualifiedReason
          ? html`<div class="status returned">${ctx.t('console.results.disqualified', { reason: r.disqualifiedReason })}</div>`
          : html`<div class="meta">${r.certifyingLevel ? ctx.t(`console.results.level.${r.certifyingLevel}`) : ctx.t('console.results.noCertificate')}</div>`;
        return html`<li class="card"><strong>${nameOf.get(r.productIdeaId) ?? ''}</strong><div>${line(r)}</div>
          ${held}${standing}
          ${r.correctionReason ? html`<div class="meta">${ctx.t('console.results.correctedBecause', { revision: String(r.revision), reason: r.correctionReason })}</div>` : ''}
          ${earlier.map((e) => html`<div class="meta">${ctx.t('console.results.superseded', { revision: String(e.revision), line: line(e) })}</div>`)}
          ${r.sheetId ? html`<div class="meta">${ctx.t('console.results.onSheet')}</div>` : correct}</li>`;
      })}</ul>`;
    }
    if (meeting.date > vietnamDateOf(deps.now())) return html`${shown}<p class="meta">${ctx.t('console.results.notYet')}</p>`;
    // Totals typed in from paper for the products still without a result; those scored on
    // the members' phones get theirs when the secretary closes scoring.
    const onPhones = meeting.scoringOpenedAt && deps.scoring ? await deps.scoring.scoredOnPhones(meeting.id) : new Set<bigint>();
    const pending = ideas.filter((idea) => !recorded.some((r) => r.productIdeaId === idea.id) && !onPhones.has(idea.id));
    if (pending.length === 0) return shown;
    const members = await deps.db.councilMember.findMany({ where: { councilId: meeting.councilId, role: { in: ['chair', 'member'] } }, include: { person: true }, orderBy: { personId: 'asc' } });
    const fields = html`<h2>${ctx.t('console.results.enter')}</h2>
      ${problem ? html`<p class="flash error">${problem}</p>` : ''}
      <fieldset><legend>${ctx.t('console.results.present')}</legend>${members.map(
        (m) => html`<label class="check"><input type="checkbox" name="present" value="${String(m.personId)}" checked> ${m.person.name} · ${ctx.t(`council.role.${m.role}`)}</label>`,
      )}</fieldset>
      ${onPhones.size > 0 ? html`<p class="meta">${ctx.t('console.results.paperOnly')}</p>` : ''}
      ${pending.map(
        (idea) => html`<fieldset><legend>${idea.productName}</legend>${members.map(
          (m) => html`<label>${m.person.name}<input type="number" name="score_${String(idea.id)}_${String(m.personId)}" min="0" max="100" step="0.01" inputmode="decimal"></label>`,
        )}</fieldset>`,
      )}
      <p class="meta">${ctx.t('console.results.hint')}</p>
      <button type="submit">${ctx.t('console.results.record')}</button>`;
    return html`${shown}${postForm(ctx, `/console/meetings/${String(meeting.id)}/results`, fields, { className: 'actions' })}`;
  }

  router.post('/meetings/:id/results', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const meeting = parsed.success && mayPlan(official) ? await deps.db.meeting.findFirst({ where: { id: parsed.data.id, council: { provinceCode: official.provinceCode } }, include: { products: true } }) : null;
    if (!meeting) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const body = req.body as Record<string, string | string[] | undefined>;
    const presentRaw = body.present === undefined ? [] : Array.isArray(body.present) ? body.present : [body.present];
    const present = presentRaw.filter((v) => /^\d{1,18}$/.test(v)).map(BigInt);
    // A correction names one product and why; a first recording takes them all.
    const reason = typeof body.reason === 'string' ? body.reason.trim() : undefined;
    const correcting = typeof body.product === 'string' && /^\d{1,18}$/.test(body.product) ? BigInt(body.product) : undefined;
    if (reason !== undefined && (reason.length < 5 || correcting === undefined)) return res.redirect(303, `/console/meetings/${String(meeting.id)}?error=correctionReason`);
    // A first recording takes the products still without a result that are not scored on the phones.
    const current = new Set((await deps.db.evaluationResult.findMany({ where: { meetingId: meeting.id, supersededAt: null }, select: { productIdeaId: true } })).map((r) => r.productIdeaId));
    const onPhones = meeting.scoringOpenedAt && deps.scoring ? await deps.scoring.scoredOnPhones(meeting.id) : new Set<bigint>();
    const products = meeting.products.filter((p) => (correcting === undefined ? !current.has(p.productIdeaId) && !onPhones.has(p.productIdeaId) : p.productIdeaId === correcting)).map((p) => ({
      productIdeaId: p.productIdeaId,
      scores: present.flatMap((personId) => {
        const raw = body[`score_${String(p.productIdeaId)}_${String(personId)}`];
        const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw.replace(',', '.')) : Number.NaN;
        return Number.isFinite(value) ? [{ personId, score: value }] : [];
      }),
    }));
    const ideas = await deps.db.productIdea.findMany({ where: { id: { in: meeting.products.map((p) => p.productIdeaId) } }, orderBy: { id: 'asc' } });
    const refuse = async (problem: string) => {
      const section = await resultsSection(ctx, meeting, ideas, problem);
      kit.page(res, 400, ctx, ctx.t('console.results.title'), html`<p><a href="/console/meetings/${String(meeting.id)}">← ${ctx.t('console.meeting.title', { date: displayDate(meeting.date) })}</a></p>${section}`);
    };
    try {
      await deps.db.$transaction((tx) => recordResults(tx, deps.evaluation, { meetingId: meeting.id, provinceCode: official.provinceCode, present, products, by: official.name, now: deps.now(), ...(reason !== undefined ? { correction: { reason } } : {}) }));
    } catch (error) {
      const nameOf = (id: bigint) => ideas.find((i) => i.id === id)?.productName ?? String(id);
      if (error instanceof ScoreSpreadError) return refuse(ctx.t('console.results.spread', { allowed: String(error.allowed), products: error.products.map((p) => `${nameOf(p.productIdeaId)} (${p.lowest}–${p.highest})`).join('; ') }));
      if (error instanceof NoQuorumError) return refuse(ctx.t('console.results.noQuorum'));
      if (error instanceof ResultsInputError) return refuse(ctx.t('console.results.incomplete'));
      if (error instanceof MeetingNotHeldError) return refuse(ctx.t('console.results.notYet'));
      if (error instanceof ResultsAlreadyRecordedError) return refuse(ctx.t('console.results.already'));
      throw error;
    }
    res.redirect(303, `/console/meetings/${String(meeting.id)}?ok=${reason !== undefined ? 'resultsCorrected' : 'resultsRecorded'}`);
  });

  // The proof of delivery as a PDF for the meeting's minutes (kept in Vietnamese), as the API gives it.
  router.get('/meetings/:id/deliveries.pdf', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const meeting = parsed.success && mayPlan(official) ? await deps.db.meeting.findFirst({ where: { id: parsed.data.id, council: { provinceCode: official.provinceCode } }, include: { council: true } }) : null;
    if (!meeting) return kit.notFound(req, res);
    const bytes = await renderMeetingDeliveryReport(deps.db, deps.translate, meeting, deps.now());
    sendDownload(res, bytes, { mediaType: 'application/pdf', fileName: `bien-ban-giao-ho-so-${String(meeting.id)}.pdf` });
  });

  router.post('/meetings/:id/lock', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const meeting = parsed.success && mayPlan(official) ? await deps.db.meeting.findFirst({ where: { id: parsed.data.id, council: { provinceCode: official.provinceCode }, status: { not: 'cancelled' } } }) : null;
    if (!meeting) return kit.notFound(req, res);
    const outboxIds = await deps.distribute(meeting.id);
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, deps.logger);
    res.redirect(303, `/console/meetings/${String(meeting.id)}?ok=locked`);
  });
}
