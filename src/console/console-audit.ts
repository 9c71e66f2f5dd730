import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayVietnamDateTime } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { html } from './console-html.js';
import type { PageKit } from './console-meetings.js';

/** Rows a page shows; older ones are a link away. */
const pageSize = 100;
const beforeQuery = z.string().regex(/^\d{1,18}$/).transform(BigInt);

/**
 * Nhật ký thao tác, for the province: every change its officials made in the console or
 * with an API token (audit-trail.ts), newest first, with who, when, what, on which ids,
 * from which session or token, and whether it was done or refused.
 */
export function registerAuditPage(router: Router, deps: { db: Database }, kit: PageKit): void {
  router.get('/audit', async (req: Request, res: Response) => {
    const official = kit.official(req);
    if (official.role !== 'province') return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const before = beforeQuery.safeParse(req.query.before);
    const rows = await deps.db.officialAction.findMany({
      where: { provinceCode: official.provinceCode, ...(before.success ? { id: { lt: before.data } } : {}) },
      orderBy: { id: 'desc' },
      take: pageSize,
    });
    const outcome = (status: number) => ctx.t(status < 400 ? 'console.audit.done' : 'console.audit.refused', { status: String(status) });
    const list = rows.length
      ? html`<ul class="cards">${rows.map(
          (r) => html`<li class="card"><strong>${r.actorName}</strong> · ${ctx.t(`console.audit.actor.${r.actorKind === 'official' ? 'official' : 'apiToken'}`)}${r.sessionId !== null ? html` · ${ctx.t('console.audit.session', { id: String(r.sessionId) })}` : ''}
            <div><code>${r.method} ${r.route}</code> ${Object.entries(r.target && typeof r.target === 'object' && !Array.isArray(r.target) ? r.target : {}).map(([key, value]) => html`<span class="meta">${key}=${String(value)}</span> `)}</div>
            <div class="meta">${displayVietnamDateTime(r.at)} · ${outcome(r.status)}${r.address ? html` · ${r.address}` : ''}</div></li>`,
        )}</ul>`
      : html`<p>${ctx.t('console.audit.none')}</p>`;
    const last = rows.at(-1);
    const older = rows.length === pageSize && last ? html`<p><a class="button secondary" href="/console/audit?before=${String(last.id)}">${ctx.t('console.audit.older')}</a></p>` : '';
    kit.page(res, 200, ctx, ctx.t('console.audit.title'), html`<p>${ctx.t('console.audit.intro')}</p>${list}${older}`);
  });
}
