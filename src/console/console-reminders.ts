import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayDate, displayVietnamDateTime, isCalendarDate, vietnamDateOf, vietnamInstant, vietnamTimeOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import type { CampaignDeadline, Notification, NotificationState, Official, RecipientKind } from '../db/generated/client.js';
import {
  cancelCampaignDeadline,
  createCampaignDeadline,
  listCampaignDeadlines,
} from '../notify/campaign-deadlines.js';
import { cancelNotification, listNotifications, maxNotificationsPerPage, notificationHistory, notificationRegion, snoozeNotifications } from '../notify/manage-notifications.js';
import { notificationKinds } from '../notify/notification-kinds.js';
import { resolveRecipient } from '../notify/recipients.js';
import { remindLaterTime, sendTimeFor, type NotifyTiming } from '../notify/timing.js';
import { officialScope } from '../officials/region-scope.js';
import { toNfc } from '../text/normalize-input.js';
import { html, raw, postForm, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { DomainError, type DomainErrorCode } from '../errors/domain-error.js';

// Nhắc việc: what the reminders will say to whom, and why — the region's notifications with
// their kind, recipient, subject, due time and deadline; one reminder's history; cancel and
// snooze, and the campaign deadlines officials set. The region and role rules are the admin
// API's notification routes: a commune official sees their commune's, the province unit and
// secretaries their province's, and a secretary only reads.

export interface ReminderPagesDeps {
  db: Database;
  now: () => Date;
  /** Quiet hours and working days: a snoozed reminder is moved out of them. No snooze without it. */
  timing?: NotifyTiming;
}

const states = ['planned', 'sent', 'done', 'cancelled', 'unreachable'] as const satisfies readonly NotificationState[];
const kinds = Object.keys(notificationKinds);
const listQuery = z.object({
  state: z.enum(states).optional().catch(undefined),
  kind: z.string().refine((k) => kinds.includes(k)).optional().catch(undefined),
  after: z.string().regex(/^\d{1,18}$/).transform(BigInt).optional().catch(undefined),
});
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
const snoozeForm = z.object({ date: z.iso.date(), time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) });
const roles = ['commune', 'province', 'secretary'] as const;
const listOf = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const deadlineForm = z.object({
  title: z.string().transform(toNfc).pipe(z.string().trim().min(1).max(200)),
  dueDate: z.iso.date(),
  audience: z.preprocess(listOf, z.array(z.enum(roles)).min(1)),
  // "5, 1" as typed: working days before the due date, as the admin API takes them.
  days: z.string().transform((text) => text.split(/[\s,;]+/).filter(Boolean).map(Number)).pipe(z.array(z.number().int().min(0).max(60)).min(1).max(10)),
  commune: z.union([z.literal(''), z.string().regex(/^\d{5}$/)]).optional(),
});

/** As the admin API: a council secretary's token reads notifications and deadlines, and changes neither. */
const mayChange = (official: Official) => official.role !== 'secretary';

const flashKeys = ['reminderCancelled', 'reminderSnoozed', 'reminderClosed', 'snoozeInvalid', 'deadlineCreated', 'deadlineCancelled', 'deadlineInvalid', 'deadlineInPast', 'deadlineCommune', 'deadlineNotOwned', 'deadlineAlreadyCancelled'] as const;
type FlashKey = (typeof flashKeys)[number];
const flashQuery = z.object({ ok: z.enum(flashKeys).optional().catch(undefined), error: z.enum(flashKeys).optional().catch(undefined) });

function flashOf(req: Request): { kind: 'ok' | 'error'; key: string } | undefined {
  const { ok, error } = flashQuery.parse(req.query);
  return ok ? { kind: 'ok', key: ok } : error ? { kind: 'error', key: error } : undefined;
}

const redirectWith = (res: Response, path: string, kind: 'ok' | 'error', key: FlashKey) => res.redirect(303, `${path}?${kind}=${key}`);

/** A recipient kind's locale segment: council_person → councilPerson. */
const camel = (text: string) => text.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The timeline steps the page names; any other reads as a change. */
const knownSteps = ['planned', 'sent', 'delivered', 'seen', 'failed', 'done', 'cancelled', 'snoozed', 'unreachable'];

interface Described {
  notification: Notification;
  recipient: string;
  subject: string;
}

export function registerReminderPages(router: Router, deps: ReminderPagesDeps, kit: PageKit): void {
  /** Who each notification is for and what it is about, in words: one query per kind of thing, not per row. */
  async function describe(ctx: PageContext, rows: readonly Notification[]): Promise<Described[]> {
    const idsOf = (kind: RecipientKind) => rows.filter((n) => n.recipientKind === kind).map((n) => n.recipientId);
    const present = <T>(values: (T | null)[]) => values.filter((v): v is T => v !== null);
    const [producers, officials, people, holders, ideas, meetings, certificates, campaigns] = await Promise.all([
      deps.db.producer.findMany({ where: { id: { in: idsOf('producer') } }, select: { id: true, name: true } }),
      deps.db.official.findMany({ where: { id: { in: idsOf('official') } }, select: { id: true, name: true, role: true } }),
      deps.db.councilPerson.findMany({ where: { id: { in: idsOf('council_person') } }, select: { id: true, name: true } }),
      deps.db.certifiedProduct.findMany({ where: { id: { in: idsOf('certified_producer') } }, select: { id: true, producerName: true } }),
      deps.db.productIdea.findMany({ where: { id: { in: present(rows.map((n) => n.productIdeaId)) } }, select: { id: true, productName: true, receiptNumber: true } }),
      deps.db.meeting.findMany({ where: { id: { in: present(rows.map((n) => n.meetingId)) } }, select: { id: true, date: true, time: true, council: { select: { name: true } } } }),
      deps.db.certifiedProduct.findMany({ where: { id: { in: present(rows.map((n) => n.certifiedProductId)) } }, select: { id: true, productName: true } }),
      deps.db.campaignDeadline.findMany({ where: { id: { in: present(rows.map((n) => n.campaignDeadlineId)) } }, select: { id: true, title: true } }),
    ]);
    const role = (n: Notification) => {
      if (n.recipientKind === 'official') {
        const official = officials.find((o) => o.id === n.recipientId);
        return official ? ctx.t(`official.role.${official.role}`) : ctx.t('console.reminders.recipient.official');
      }
      return ctx.t(`console.reminders.recipient.${camel(n.recipientKind)}`);
    };
    const name = (n: Notification) =>
      ({
        producer: producers.find((p) => p.id === n.recipientId)?.name,
        official: officials.find((o) => o.id === n.recipientId)?.name,
        council_person: people.find((p) => p.id === n.recipientId)?.name,
        certified_producer: holders.find((c) => c.id === n.recipientId)?.producerName,
      })[n.recipientKind] ?? '—';
    const subject = (n: Notification): string => {
      const idea = ideas.find((i) => i.id === n.productIdeaId);
      if (idea) return `${idea.productName} · ${idea.receiptNumber}`;
      const meeting = meetings.find((m) => m.id === n.meetingId);
      if (meeting) return ctx.t('console.reminders.subject.meeting', { council: meeting.council.name, date: displayDate(meeting.date), time: meeting.time });
      const certificate = certificates.find((c) => c.id === n.certifiedProductId);
      if (certificate) return certificate.productName;
      const campaign = campaigns.find((c) => c.id === n.campaignDeadlineId);
      if (campaign) return campaign.title;
      return '';
    };
    return rows.map((n) => ({ notification: n, recipient: `${name(n)} · ${role(n)}`, subject: subject(n) }));
  }

  const kindWords = (ctx: PageContext, n: Notification) => ctx.t(`console.reminders.kind.${kinds.includes(n.kind) ? n.kind : 'other'}`);
  const deadlineWords = (n: Notification) => (n.deadline ? displayVietnamDateTime(n.deadline) : '');

  /** The "why" of a reminder: its kind, and for one sent up a level, that the task is late. */
  const whyWords = (ctx: PageContext, n: Notification) => (n.level > 0 && n.parentKey !== null ? `${kindWords(ctx, n)} · ${ctx.t(`console.reminders.level.${n.level === 1 ? 'commune' : 'province'}`)}` : kindWords(ctx, n));

  router.get('/reminders', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const ctx = await kit.ctxOf(req, flashOf(req));
    const query = listQuery.parse(req.query);
    const page = await listNotifications(deps.db, { region: officialScope(official), state: query.state, kind: query.kind, after: query.after, limit: maxNotificationsPerPage });
    // Within the page, the next to go first.
    const rows = await describe(ctx, [...page.notifications].sort((a, b) => a.sendAt.getTime() - b.sendAt.getTime() || Number(a.id - b.id)));
    const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}" ${current === value ? raw('selected') : ''}>${label}</option>`;
    const filters = html`<form method="get" action="/console/reminders" class="filters">
      <label>${ctx.t('console.reminders.state')}<select name="state"><option value="">${ctx.t('console.ideas.any')}</option>${states.map((s) => option(s, ctx.t(`console.reminders.stateValue.${s}`), query.state))}</select></label>
      <label>${ctx.t('console.reminders.kindFilter')}<select name="kind"><option value="">${ctx.t('console.ideas.any')}</option>${kinds.map((k) => option(k, ctx.t(`console.reminders.kind.${k}`), query.kind))}</select></label>
      <button type="submit">${ctx.t('console.ideas.filter')}</button>
    </form>`;
    const cards = rows.map(
      ({ notification: n, recipient, subject }) => html`<li class="card"><a href="/console/reminders/${String(n.id)}"><strong>${whyWords(ctx, n)}</strong></a> <span class="status">${ctx.t(`console.reminders.stateValue.${n.state}`)}</span>
        <div>${recipient}</div>
        ${subject ? html`<div class="meta">${subject}</div>` : ''}
        <div class="meta">${ctx.t(n.state === 'planned' ? 'console.reminders.sendsAt' : 'console.reminders.plannedFor', { time: displayVietnamDateTime(n.sendAt) })}${n.deadline ? html` · ${ctx.t('console.reminders.deadline', { time: deadlineWords(n) })}` : ''}</div></li>`,
    );
    const params = new URLSearchParams(Object.entries({ state: query.state, kind: query.kind }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    if (page.nextAfter !== null) params.set('after', String(page.nextAfter));
    const more = page.nextAfter !== null ? html`<p><a class="button secondary" href="/console/reminders?${params.toString()}">${ctx.t('console.reminders.more')}</a></p>` : '';
    const body = html`<p>${ctx.t('console.reminders.intro')}</p>
      <p><a class="button secondary" href="/console/reminders/deadlines">${ctx.t('console.deadlines.title')}</a></p>
      ${filters}
      ${rows.length > 0 ? html`<ul class="cards">${cards}</ul>` : html`<p>${ctx.t('console.reminders.none')}</p>`}${more}`;
    kit.page(res, 200, ctx, ctx.t('console.reminders.title'), body);
  });

  /** A notification of the official's region, or null (another region's id reads as none). */
  const visible = (official: Official, id: bigint) => deps.db.notification.findFirst({ where: { AND: [notificationRegion(officialScope(official)), { id }] } });

  const actorWords = (ctx: PageContext, actor: string | null) =>
    actor === null ? ctx.t('console.reminders.actor.zalo') : actor === 'system' ? ctx.t('console.reminders.actor.system') : actor.startsWith('admin:') ? actor.slice(6) : ctx.t('console.reminders.actor.recipient');

  router.get('/reminders/deadlines', async (req: Request, res: Response) => deadlinesPage(req, res));

  router.get('/reminders/:id', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const found = parsed.success ? await visible(official, parsed.data.id) : null;
    const history = found ? await notificationHistory(deps.db, found.id) : null;
    if (!found || !history) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req, flashOf(req));
    const n = history.notification;
    const [described] = await describe(ctx, [n]);
    const person = await deps.db.$transaction((tx) => resolveRecipient(tx, { kind: n.recipientKind, id: n.recipientId }));
    const parent = n.parentKey === null ? null : await deps.db.notification.findFirst({ where: { AND: [notificationRegion(officialScope(official)), { key: n.parentKey }] } });
    const open = n.state === 'planned' || n.state === 'sent';
    const id = String(n.id);
    const suggested = deps.timing ? remindLaterTime(deps.timing, deps.now()) : undefined;
    const actions =
      open && mayChange(official)
        ? html`<section class="actions"><h2>${ctx.t('console.reminders.change')}</h2>
            ${
              deps.timing && suggested
                ? postForm(
                    ctx,
                    `/console/reminders/${id}/snooze`,
                    html`<label>${ctx.t('console.reminders.snoozeDate')}<input type="date" name="date" required value="${vietnamDateOf(suggested)}"></label>
                      <label>${ctx.t('console.reminders.snoozeTime')}<input type="time" name="time" required value="${vietnamTimeOf(suggested)}"></label>
                      <p class="meta">${ctx.t('console.reminders.snoozeHint')}</p>
                      <button type="submit" class="secondary">${ctx.t('console.reminders.snooze')}</button>`,
                  )
                : ''
            }
            ${postForm(ctx, `/console/reminders/${id}/cancel`, html`<button type="submit" class="secondary">${ctx.t('console.reminders.cancel')}</button>`)}
          </section>`
        : '';
    const timeline = html`<h2>${ctx.t('console.reminders.history')}</h2><ol class="cards">${history.timeline.map(
      (step) => html`<li class="card"><strong>${ctx.t(`console.reminders.step.${knownSteps.includes(step.step) ? step.step : 'other'}`)}</strong>
        <div class="meta">${displayVietnamDateTime(step.at)} · ${actorWords(ctx, step.actor)}</div></li>`,
    )}</ol>`;
    const failed = history.messages.filter((m) => m.lastError);
    const body = html`<p><a href="/console/reminders">← ${ctx.t('console.reminders.title')}</a></p>
      <dl class="facts">
        <dt>${ctx.t('console.reminders.why')}</dt><dd>${whyWords(ctx, n)}</dd>
        <dt>${ctx.t('console.reminders.state')}</dt><dd>${ctx.t(`console.reminders.stateValue.${n.state}`)}</dd>
        <dt>${ctx.t('console.reminders.recipientLabel')}</dt><dd>${described?.recipient ?? ''}${person === null ? html` · ${ctx.t('console.reminders.gone')}` : ''}</dd>
        ${described?.subject ? html`<dt>${ctx.t('console.reminders.subjectLabel')}</dt><dd>${described.subject}</dd>` : ''}
        <dt>${ctx.t('console.reminders.due')}</dt><dd>${displayVietnamDateTime(n.sendAt)}${n.snoozeCount > 0 ? html` · ${ctx.t('console.reminders.snoozedTimes', { count: String(n.snoozeCount) })}` : ''}</dd>
        ${n.deadline ? html`<dt>${ctx.t('console.reminders.deadlineLabel')}</dt><dd>${deadlineWords(n)}</dd>` : ''}
        ${n.channel ? html`<dt>${ctx.t('console.reminders.channel')}</dt><dd>${ctx.t(`console.reminders.channelValue.${n.channel === 'zns' || n.channel === 'template' ? n.channel : 'cs'}`)}</dd>` : ''}
        ${parent ? html`<dt>${ctx.t('console.reminders.parent')}</dt><dd><a href="/console/reminders/${String(parent.id)}">${kindWords(ctx, parent)}</a></dd>` : ''}
        ${failed.map((m) => html`<dt>${ctx.t('console.reminders.refused')}</dt><dd><code>${m.lastError ?? ''}</code></dd>`)}
      </dl>
      ${actions}${timeline}`;
    kit.page(res, 200, ctx, ctx.t('console.reminders.one', { kind: kindWords(ctx, n) }), body);
  });

  router.post('/reminders/:id/cancel', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    if (!parsed.success || !mayChange(official)) return kit.notFound(req, res);
    const id = parsed.data.id;
    // Checked and changed in one transaction, as the admin API does.
    const changed = await deps.db.$transaction(async (tx) => {
      if (!(await tx.notification.findFirst({ where: { AND: [notificationRegion(officialScope(official)), { id }] }, select: { id: true } }))) return null;
      return cancelNotification(tx, id, `admin:${official.name}`, deps.now());
    });
    if (changed === null) return kit.notFound(req, res);
    redirectWith(res, `/console/reminders/${String(id)}`, changed ? 'ok' : 'error', changed ? 'reminderCancelled' : 'reminderClosed');
  });

  router.post('/reminders/:id/snooze', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const timing = deps.timing;
    if (!parsed.success || !mayChange(official) || !timing) return kit.notFound(req, res);
    const id = parsed.data.id;
    const back = `/console/reminders/${String(id)}`;
    const form = snoozeForm.safeParse(req.body);
    const now = deps.now();
    const until = form.success && isCalendarDate(form.data.date) ? vietnamInstant(form.data.date, form.data.time) : undefined;
    const moved = await deps.db.$transaction(async (tx) => {
      const found = await tx.notification.findFirst({ where: { AND: [notificationRegion(officialScope(official)), { id }] }, select: { routine: true } });
      if (!found) return null;
      if (!until || until.getTime() <= now.getTime()) return 'invalid' as const;
      // Out of quiet hours, and a routine nudge onto a working day, as the admin API moves it.
      return snoozeNotifications(tx, [id], sendTimeFor(timing, until, found.routine), `admin:${official.name}`, now);
    });
    if (moved === null) return kit.notFound(req, res);
    if (moved === 'invalid') return redirectWith(res, back, 'error', 'snoozeInvalid');
    redirectWith(res, back, moved > 0 ? 'ok' : 'error', moved > 0 ? 'reminderSnoozed' : 'reminderClosed');
  });

  // Campaign deadlines: the region's, the latest set first; a form to set one, and cancelling.
  async function deadlinesPage(req: Request, res: Response) {
    const official = kit.official(req);
    const ctx = await kit.ctxOf(req, flashOf(req));
    const deadlines = await listCampaignDeadlines(deps.db, officialScope(official));
    const communes = await deps.db.administrativeUnit.findMany({
      where: official.role === 'commune' ? { communeCode: official.communeCode ?? '' } : { provinceCode: official.provinceCode },
      select: { communeCode: true, communeName: true },
      orderBy: { communeName: 'asc' },
    });
    const nameOf = (code: string | null) => (code === null ? ctx.t('console.deadlines.wholeProvince') : (communes.find((c) => c.communeCode === code)?.communeName ?? code));
    const mayCancel = (d: CampaignDeadline) => mayChange(official) && d.cancelledAt === null && (official.role === 'province' || d.communeCode !== null);
    const cards = deadlines.map(
      (d) => html`<li class="card"><strong>${d.title}</strong> ${d.cancelledAt ? html`<span class="status returned">${ctx.t('console.deadlines.cancelled', { date: displayVietnamDateTime(d.cancelledAt) })}</span>` : ''}
        <div>${ctx.t('console.deadlines.due', { date: displayDate(d.dueDate) })} · ${nameOf(d.communeCode)}</div>
        <div class="meta">${ctx.t('console.deadlines.audienceLine', { roles: d.audience.map((r) => ctx.t(`official.role.${r}`)).join(', '), days: d.remindWorkingDaysBefore.join(', ') })}</div>
        <div class="meta">${ctx.t('console.deadlines.setBy', { name: d.createdBy, date: displayVietnamDateTime(d.createdAt) })}</div>
        ${mayCancel(d) ? postForm(ctx, `/console/reminders/deadlines/${String(d.id)}/cancel`, html`<button type="submit" class="secondary">${ctx.t('console.deadlines.cancel')}</button>`) : ''}</li>`,
    );
    const today = vietnamDateOf(deps.now());
    const form = mayChange(official)
      ? postForm(
          ctx,
          '/console/reminders/deadlines',
          html`<h2>${ctx.t('console.deadlines.new')}</h2>
            <label>${ctx.t('console.deadlines.titleLabel')}<input type="text" name="title" required maxlength="200"></label>
            <label>${ctx.t('console.deadlines.dueLabel')}<input type="date" name="dueDate" required min="${today}"></label>
            <fieldset><legend>${ctx.t('console.deadlines.audience')}</legend>${roles.map(
              (r) => html`<label class="check"><input type="checkbox" name="audience" value="${r}" ${r === 'commune' ? raw('checked') : ''}> ${ctx.t(`official.role.${r}`)}</label>`,
            )}</fieldset>
            <label>${ctx.t('console.deadlines.days')}<input type="text" name="days" required value="5, 1" inputmode="numeric" pattern="[0-9 ,;]+"></label>
            ${
              official.role === 'commune'
                ? ''
                : html`<label>${ctx.t('console.deadlines.commune')}<select name="commune"><option value="">${ctx.t('console.deadlines.wholeProvince')}</option>${communes.map((c) => html`<option value="${c.communeCode}">${c.communeName}</option>`)}</select></label>`
            }
            <button type="submit">${ctx.t('console.deadlines.create')}</button>`,
          { className: 'actions' },
        )
      : '';
    const body = html`<p><a href="/console/reminders">← ${ctx.t('console.reminders.title')}</a></p><p>${ctx.t('console.deadlines.intro')}</p>
      ${deadlines.length > 0 ? html`<ul class="cards">${cards}</ul>` : html`<p>${ctx.t('console.deadlines.none')}</p>`}${form}`;
    kit.page(res, 200, ctx, ctx.t('console.deadlines.title'), body);
  }

  /** The domain's refusals of a deadline, by code, each with the message it shows; anything else is a fault. */
  const deadlineRefusals: Partial<Record<DomainErrorCode, FlashKey>> = { 'campaign.inPast': 'deadlineInPast', 'campaign.commune': 'deadlineCommune', 'campaign.notOwned': 'deadlineNotOwned', 'campaign.cancelled': 'deadlineAlreadyCancelled' };
  const deadlineRefusal = (error: unknown): FlashKey => {
    const key = error instanceof DomainError ? deadlineRefusals[error.code] : undefined;
    if (key === undefined) throw error;
    return key;
  };

  router.post('/reminders/deadlines', async (req: Request, res: Response) => {
    const official = kit.official(req);
    if (!mayChange(official)) return kit.notFound(req, res);
    const back = '/console/reminders/deadlines';
    const form = deadlineForm.safeParse(req.body);
    if (!form.success || !isCalendarDate(form.data.dueDate)) return redirectWith(res, back, 'error', 'deadlineInvalid');
    const { title, dueDate, audience, days, commune } = form.data;
    try {
      await deps.db.$transaction((tx) =>
        createCampaignDeadline(tx, { title, dueDate: dueDate as CalendarDate, audience, remindWorkingDaysBefore: days, communeCode: commune || undefined, region: officialScope(official), createdBy: official.name, now: deps.now() }),
      );
    } catch (error) {
      return redirectWith(res, back, 'error', deadlineRefusal(error));
    }
    redirectWith(res, back, 'ok', 'deadlineCreated');
  });

  router.post('/reminders/deadlines/:id/cancel', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    if (!parsed.success || !mayChange(official)) return kit.notFound(req, res);
    const back = '/console/reminders/deadlines';
    try {
      await deps.db.$transaction((tx) => cancelCampaignDeadline(tx, { id: parsed.data.id, region: officialScope(official), actor: `admin:${official.name}`, now: deps.now() }));
    } catch (error) {
      // Another region's deadline, or one that does not exist: as for any id of another region.
      if (error instanceof DomainError && error.code === 'campaign.notFound') return kit.notFound(req, res);
      return redirectWith(res, back, 'error', deadlineRefusal(error));
    }
    redirectWith(res, back, 'ok', 'deadlineCancelled');
  });
}
