import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayVietnamDateTime } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { displayPhone } from '../text/phone.js';
import { html, postForm } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { officialRequestRegion } from './console-queries.js';

// A producer's request to talk to an official ("Gặp cán bộ"), from the task list: who, how
// to call them, what they asked; an official of the region marks it answered, saying what
// they did, and it leaves everyone's task list (the action log keeps who did it).

const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
const answerForm = z.object({ note: z.string().trim().min(3).max(1000) });

export function registerRequestPages(router: Router, deps: { db: Database; now: () => Date }, kit: PageKit): void {
  const visible = async (req: Request) => {
    const parsed = idParam.safeParse(req.params);
    return parsed.success ? deps.db.officialRequest.findFirst({ where: { id: parsed.data.id, ...officialRequestRegion(kit.official(req)) } }) : null;
  };

  router.get('/requests/:id', async (req: Request, res: Response) => {
    const request = await visible(req);
    if (!request) return kit.notFound(req, res);
    const ok = req.query.ok === 'answered';
    const refused = req.query.error === 'note';
    const ctx = await kit.ctxOf(req);
    const unit = await deps.db.administrativeUnit.findUnique({ where: { communeCode: request.communeCode } });
    const phone = displayPhone(request.phone);
    const answered = request.answeredAt
      ? html`<p class="flash ok" role="status">${ctx.t('console.request.answeredBy', { name: request.answeredBy ?? '', time: displayVietnamDateTime(request.answeredAt), note: request.answerNote ?? '' })}</p>`
      : postForm(
          ctx,
          `/console/requests/${String(request.id)}/answered`,
          html`${refused ? html`<p class="flash error" role="alert">${ctx.t('console.request.noteRequired')}</p>` : ''}
            <label>${ctx.t('console.request.note')}<textarea name="note" required minlength="3" maxlength="1000" rows="3"></textarea></label>
            <button type="submit">${ctx.t('console.request.markAnswered')}</button>`,
          { className: 'actions' },
        );
    kit.page(
      res,
      200,
      ctx,
      ctx.t('console.request.title'),
      html`${ok ? html`<p class="flash ok" role="status">${ctx.t('console.request.done')}</p>` : ''}
        <dl class="facts">
          <dt>${ctx.t('console.request.who')}</dt><dd>${request.name}</dd>
          <dt>${ctx.t('console.request.phone')}</dt><dd><a href="tel:${request.phone.replace(/^84/, '0')}">${phone}</a></dd>
          <dt>${ctx.t('console.request.commune')}</dt><dd>${unit?.communeName ?? request.communeCode}</dd>
          <dt>${ctx.t('console.request.when')}</dt><dd>${displayVietnamDateTime(request.createdAt)}</dd>
          <dt>${ctx.t('console.request.message')}</dt><dd>${request.message}</dd>
        </dl>${answered}`,
    );
  });

  router.post('/requests/:id/answered', async (req: Request, res: Response) => {
    const request = await visible(req);
    if (!request) return kit.notFound(req, res);
    const form = answerForm.safeParse(req.body);
    if (!form.success) return res.redirect(303, `/console/requests/${String(request.id)}?error=note`);
    const who = kit.official(req);
    // Answered once: a second official's mark changes nothing.
    await deps.db.officialRequest.updateMany({ where: { id: request.id, answeredAt: null }, data: { answeredAt: deps.now(), answeredBy: who.name, answerNote: form.data.note } });
    res.redirect(303, `/console/requests/${String(request.id)}?ok=answered`);
  });
}
