import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayVietnamDateTime } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { displayPhone } from '../text/phone.js';
import { zaloErrorName } from '../zalo/errors.js';
import { html, postForm, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { markHandledByPhone, unreachablePeople, type UnreachablePerson } from './unreachable-people.js';

// Người bot không liên lạc được: whom Zalo refused messages to because they were outside its
// window, what waits for them, since when and why. The messages go on their own once the
// person writes to the OA; an official who has told them by phone closes the entry (the
// console's audit trail records who did).

export interface UnreachablePagesDeps {
  db: Database;
}

const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
const handledForm = z.object({ last: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
/** A held message is named by its kind and its first words, never by a key. */
const excerptLength = 120;
const kindWords = new Map([['text', 'text'], ['image', 'image'], ['file', 'file'], ['request_user_info', 'requestUserInfo']]);

function summary(ctx: PageContext, message: UnreachablePerson['messages'][number]): string {
  const kind = ctx.t(`console.operations.kind.${kindWords.get(message.kind ?? '') ?? 'other'}`);
  const text = message.text?.replace(/\s+/g, ' ').trim();
  if (!text) return kind;
  return `${kind}: ${text.length > excerptLength ? `${text.slice(0, excerptLength)}…` : text}`;
}

/** How the person was told to write to the OA, in words; nothing before a notice was planned. */
function noticeLine(ctx: PageContext, notice: UnreachablePerson['notice']): Html | '' {
  if (!notice) return '';
  const date = displayVietnamDateTime(notice.at);
  const key =
    notice.state === 'planned' ? 'planned' : notice.state === 'sent' && notice.channel === 'zns' ? 'zns' : notice.state === 'sent' ? 'template' : notice.state === 'unreachable' ? 'noChannel' : undefined;
  return key ? html`<div class="meta">${ctx.t(`console.unreachable.notice.${key}`, { date })}</div>` : '';
}

function personCard(ctx: PageContext, person: UnreachablePerson): Html {
  const code = person.errorCode === null ? undefined : zaloErrorName(person.errorCode);
  const first = person.messages[0]?.id ?? 0n;
  const last = person.messages.at(-1)?.id ?? 0n;
  return html`<li class="card unreachable-person">
    <div><strong>${person.name}</strong>${person.communeName ? html` · ${person.communeName}` : ''}${person.phone ? html` · <a href="tel:${displayPhone(person.phone).replaceAll(' ', '')}">${displayPhone(person.phone)}</a>` : ''}</div>
    <div class="meta">${ctx.t('console.unreachable.since', { date: displayVietnamDateTime(person.since) })} · ${code ? ctx.t(`console.operations.zaloError.${code}`) : ctx.t('console.unreachable.refused')}</div>
    <div>${ctx.t('console.unreachable.waiting', { count: String(person.messages.length) })}</div>
    ${noticeLine(ctx, person.notice)}
    <ol>${person.messages.map((m) => html`<li>${summary(ctx, m)}</li>`)}</ol>
    ${postForm(ctx, `/console/unreachable/${String(first)}/handled`, html`<input type="hidden" name="last" value="${String(last)}"><button type="submit" class="secondary">${ctx.t('console.unreachable.handled')}</button>`)}
  </li>`;
}

export function registerUnreachablePages(router: Router, deps: UnreachablePagesDeps, kit: PageKit): void {
  router.get('/unreachable', async (req: Request, res: Response) => {
    const flash = z.object({ ok: z.literal('handledByPhone') }).safeParse(req.query);
    const ctx = await kit.ctxOf(req, flash.success ? { kind: 'ok', key: flash.data.ok } : undefined);
    const people = await unreachablePeople(deps.db, kit.official(req));
    const body = html`<p>${ctx.t('console.unreachable.about')}</p>
      ${people.length > 0 ? html`<ul class="cards">${people.map((p) => personCard(ctx, p))}</ul>` : html`<p>${ctx.t('console.unreachable.none')}</p>`}`;
    kit.page(res, 200, ctx, ctx.t('console.unreachable.title'), body);
  });

  router.post('/unreachable/:id/handled', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const params = idParam.safeParse(req.params);
    const form = handledForm.safeParse(req.body);
    if (!params.success || !form.success) return kit.notFound(req, res);
    const row = await deps.db.outboundMessage.findUnique({ where: { id: params.data.id }, select: { recipient: true } });
    // Only someone this official may see, by the same rule as the list; anyone else is 404.
    if (!row || (await unreachablePeople(deps.db, official, row.recipient)).length === 0) return kit.notFound(req, res);
    await deps.db.$transaction((tx) => markHandledByPhone(tx, { recipient: row.recipient, lastId: form.data.last, officialId: official.id }));
    res.redirect(303, '/console/unreachable?ok=handledByPhone');
  });
}
