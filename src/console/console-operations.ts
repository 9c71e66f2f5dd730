import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response, Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { displayVietnamDateTime } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { defaultLocale, type Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import { mayOperate } from '../officials/region-scope.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { retryFailedMessage } from '../outbound/retry-failed-message.js';
import { readUploadUsage, uploadWarningPercents, type UploadUsage } from '../outbound/upload-quota.js';
import { displayPhone } from '../text/phone.js';
import { zaloErrorName } from '../zalo/errors.js';
import { readZaloTokenState, type ZaloTokenState } from '../zalo/token-state.js';
import { html, postForm, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { failedMessages, failedMessagesShown, type FailedMessage } from './failed-messages.js';
import { DomainError, type DomainErrorCode } from '../errors/domain-error.js';

// Vận hành, for the province's administrator only (every other official gets 404 on every
// path under it): the BullMQ dashboard, the messages Zalo did not take with a retry through
// the normal delivery path, and the state of the OA's token — never the token.

export interface OperationsPagesDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** The queues the dashboard shows; no dashboard without them. */
  queues?: readonly Queue[];
  /** Zalo's monthly upload quota: the page warns from 80 % of it. */
  monthlyUploadQuota?: number;
}

/** Where the dashboard is mounted under the console. */
const dashboardPath = '/operations/queues';
/**
 * The dashboard's API, which its script calls with JSON and no form token: its changes are
 * checked by origin instead (the console's CSRF check leaves this path to this module).
 */
export const queueDashboardApi = `${dashboardPath}/api/`;

const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/).transform(BigInt) });
const retryForm = z.object({ acceptDuplicate: z.literal('yes').optional() });
const outcomes = { ok: ['messageRetried'], error: ['messageInDoubt', 'messageNotFailed'] } as const;
const flashQuery = z.union([z.object({ ok: z.enum(outcomes.ok) }).transform((q) => ({ kind: 'ok' as const, key: q.ok })), z.object({ error: z.enum(outcomes.error) }).transform((q) => ({ kind: 'error' as const, key: q.error }))]);

/** The message kinds the page names; anything else reads as a message. */
const messageKinds = new Map([['text', 'text'], ['image', 'image'], ['file', 'file'], ['request_user_info', 'requestUserInfo'], ['template', 'template'], ['zns', 'zns']]);
const kindKey = (kind: string | null) => messageKinds.get(kind ?? '') ?? 'other';

/** From 80 % of the month's Zalo uploads on: how much is used, or that packets go as links. */
function uploadQuotaBanner(ctx: PageContext, usage: UploadUsage): Html | '' {
  const reached = uploadWarningPercents.filter((percent) => usage.uploads * 100 >= percent * usage.quota).at(-1);
  if (reached === undefined) return '';
  const [year, month] = usage.month.split('-');
  const vars = { month: `${month ?? ''}/${year ?? ''}`, percent: String(reached), uploads: String(usage.uploads), quota: String(usage.quota), remaining: String(usage.remaining) };
  return html`<p class="flash error" role="alert">${ctx.t(usage.exhausted ? 'console.operations.uploadQuota.exhausted' : 'console.operations.uploadQuota.warning', vars)}</p>`;
}

export function registerOperationsPages(router: Router, deps: OperationsPagesDeps, kit: PageKit): void {
  // Every path below, the dashboard and its API included, exists only for the administrator.
  router.use('/operations', async (req: Request, res: Response, next: NextFunction) => {
    if (mayOperate(kit.official(req))) return next();
    await kit.notFound(req, res);
  });

  // The board speaks English only; its title and the way back are in the deployment's first language.
  const boardTexts = { title: deps.translate(defaultLocale, 'console.title'), back: deps.translate(defaultLocale, 'console.operations.queues.back') };
  if (deps.queues && deps.queues.length > 0) router.use(dashboardPath, ...queueDashboard(deps.queues, boardTexts));

  router.get('/operations', async (req: Request, res: Response) => {
    const flash = flashQuery.safeParse(req.query);
    const ctx = await kit.ctxOf(req, flash.success ? flash.data : undefined);
    const official = kit.official(req);
    const [messages, token, uploads] = await Promise.all([
      failedMessages(deps.db, { provinceCode: official.provinceCode }),
      readZaloTokenState(deps.db),
      deps.monthlyUploadQuota === undefined ? undefined : readUploadUsage(deps.db, deps.monthlyUploadQuota, deps.now()),
    ]);
    const queues = deps.queues?.length
      ? html`<p>${ctx.t('console.operations.queues.about')}</p>
          <p>${ctx.t('console.operations.queues.retry')}</p>
          <p>${ctx.t('console.operations.queues.actions')}</p>
          <p><a class="button" href="/console${dashboardPath}">${ctx.t('console.operations.queues.open')}</a></p>`
      : html`<p>${ctx.t('console.operations.queues.none')}</p>`;
    const body = html`${uploads ? uploadQuotaBanner(ctx, uploads) : ''}<section aria-labelledby="queues"><h2 id="queues">${ctx.t('console.operations.queues.title')}</h2>${queues}</section>
      <section aria-labelledby="messages"><h2 id="messages">${ctx.t('console.operations.messages.title')}</h2>
        <p>${ctx.t('console.operations.messages.about', { shown: String(failedMessagesShown) })}</p>
        <p class="meta">${ctx.t('console.operations.messages.retryHint')}</p>
        ${messages.length > 0 ? html`<ul class="cards">${messages.map((m) => messageCard(ctx, m))}</ul>` : html`<p>${ctx.t('console.operations.messages.none')}</p>`}
      </section>
      <section aria-labelledby="token"><h2 id="token">${ctx.t('console.operations.token.title')}</h2>${tokenFacts(ctx, token, deps.now())}</section>`;
    kit.page(res, 200, ctx, ctx.t('console.operations.title'), body);
  });

  // A retry puts the row back on the delivery path; it is sent by the outbound worker.
  router.post('/operations/messages/:id/retry', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const parsed = idParam.safeParse(req.params);
    const form = retryForm.safeParse(req.body);
    if (!parsed.success) return kit.notFound(req, res);
    const id = parsed.data.id;
    const back = (kind: 'ok' | 'error', key: string) => res.redirect(303, `/console/operations?${kind}=${key}#messages`);
    // Only a row this administrator may see, by the same rule as the list; any other id is 404.
    const [row] = await failedMessages(deps.db, { provinceCode: official.provinceCode, id });
    if (!row) return kit.notFound(req, res);
    let outboxIds: bigint[];
    try {
      outboxIds = await deps.db.$transaction((tx) => retryFailedMessage(tx, { id, acceptDuplicate: form.success && form.data.acceptDuplicate === 'yes' }));
    } catch (error) {
      const refusals: Partial<Record<DomainErrorCode, string>> = { 'message.inDoubt': 'messageInDoubt', 'message.notFailed': 'messageNotFailed' };
      const key = error instanceof DomainError ? refusals[error.code] : undefined;
      if (key === undefined) throw error;
      return back('error', key);
    }
    deps.logger.info({ officialId: String(official.id), outboundId: String(id) }, 'failed message put back for delivery');
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, deps.logger);
    back('ok', 'messageRetried');
  });
}

function messageCard(ctx: PageContext, m: FailedMessage): Html {
  const who =
    m.people.length > 0
      ? m.people.map((p, i) => html`${i > 0 ? ', ' : ''}<strong>${p.name}</strong> (${ctx.t(`console.operations.person.${p.kind}`)}${p.phone ? html` · ${displayPhone(p.phone)}` : ''})`)
      : html`<strong>${ctx.t('console.operations.messages.unknownPerson')}</strong>`;
  const code = m.errorCode === null ? undefined : zaloErrorName(m.errorCode);
  const zalo =
    m.errorCode !== null
      ? html`<div>${ctx.t('console.operations.messages.zaloCode', { code: String(m.errorCode) })}${code ? html` — ${ctx.t(`console.operations.zaloError.${code}`)}` : ''}</div>`
      : '';
  const retry = m.inDoubt
    ? html`<p class="note">${ctx.t('console.operations.messages.inDoubt')}</p>${postForm(
        ctx,
        `/console/operations/messages/${String(m.id)}/retry`,
        html`<label class="check"><input type="checkbox" name="acceptDuplicate" value="yes" required> ${ctx.t('console.operations.messages.acceptDuplicate')}</label>
          <button type="submit" class="secondary">${ctx.t('console.operations.messages.retryAnyway')}</button>`,
      )}`
    : postForm(ctx, `/console/operations/messages/${String(m.id)}/retry`, html`<button type="submit" class="secondary">${ctx.t('console.operations.messages.retry')}</button>`);
  return html`<li class="card failed-message">
    <div>${who}</div>
    <div class="meta">${ctx.t('console.operations.messages.when', { date: displayVietnamDateTime(m.failedAt ?? m.createdAt), written: displayVietnamDateTime(m.createdAt) })} · ${ctx.t(`console.operations.channel.${m.channel}`)} · ${ctx.t(`console.operations.kind.${kindKey(m.kind)}`)} · ${ctx.t('console.operations.messages.attempts', { n: String(m.attempts) })}</div>
    <div class="meta">${ctx.t('console.operations.messages.address', { address: m.recipient })}</div>
    ${zalo}
    ${m.lastError ? html`<div class="reason">${ctx.t('console.operations.messages.reason')} <code>${m.lastError}</code></div>` : ''}
    ${retry}
  </li>`;
}

/** When the access token expires, when it was renewed, and whether the last renewal failed. */
function tokenFacts(ctx: PageContext, token: ZaloTokenState | null, now: Date): Html {
  if (!token) return html`<p class="flash error">${ctx.t('console.operations.token.none')}</p>`;
  const expires = token.accessExpiresAt
    ? html`${displayVietnamDateTime(token.accessExpiresAt)}${token.accessExpiresAt <= now ? html` · <span class="late">${ctx.t('console.operations.token.expired')}</span>` : ''}`
    : ctx.t('console.operations.token.expiryUnknown');
  // A failure after the last renewal means the pair in use is the old one, nearer its expiry.
  const failing = token.refreshFailedAt !== null && (token.refreshedAt === null || token.refreshFailedAt > token.refreshedAt);
  const status = failing
    ? html`<p class="flash error" role="status">${ctx.t('console.operations.token.failing', { date: displayVietnamDateTime(token.refreshFailedAt ?? now) })}</p>`
    : html`<p class="flash ok">${ctx.t('console.operations.token.healthy')}</p>`;
  return html`${status}<dl class="facts">
    <dt>${ctx.t('console.operations.token.expires')}</dt><dd>${expires}</dd>
    <dt>${ctx.t('console.operations.token.refreshed')}</dt><dd>${token.refreshedAt ? displayVietnamDateTime(token.refreshedAt) : ctx.t('console.operations.token.neverRefreshed')}</dd>
    <dt>${ctx.t('console.operations.token.lastFailure')}</dt><dd>${token.refreshFailedAt ? html`${displayVietnamDateTime(token.refreshFailedAt)} · <code>${token.refreshError ?? ''}</code>` : ctx.t('console.operations.token.noFailure')}</dd>
    <dt>${ctx.t('console.operations.token.version')}</dt><dd>${token.version}</dd>
  </dl>
  <p class="meta">${ctx.t('console.operations.token.hint')}</p>`;
}

/**
 * The BullMQ dashboard (bull-board). Its page is a script application, so on its paths alone
 * the content policy allows its own scripts and workers ('self'), inline styles (the style
 * attributes of its loading screen and the style elements its components add: a browser
 * test counts what is refused) and data: images (its job editor's icons); nothing from
 * another origin, so its Google Fonts stylesheet is refused and the system font shows.
 * Changes through its API come from its own script: they must be marked same-origin, as
 * browsers mark every fetch.
 */
function queueDashboard(queues: readonly Queue[], texts: { title: string; back: string }): ((req: Request, res: Response, next: NextFunction) => void)[] {
  const board = new ExpressAdapter();
  board.setBasePath(`/console${dashboardPath}`);
  createBullBoard({
    // Every action of the board is safe to offer: Redis carries only work Postgres can give
    // again (the sweep re-enqueues it), and jobs carry ids the records decide on.
    queues: queues.map((queue) => new BullMQAdapter(queue, { allowRetries: true })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: texts.title, hideDocsLink: true, miscLinks: [{ text: texts.back, url: '/console/operations' }] } },
  });
  const app: Express = board.getRouter();
  app.disable('x-powered-by');
  const policy = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      workerSrc: ["'self'"],
      connectSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
  const sameOriginChanges = (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || isSameOrigin(req)) return next();
    res.status(403).json({ error: 'cross_origin' });
  };
  return [policy, sameOriginChanges, app];
}

/** Sec-Fetch-Site where the browser sends it; else the Origin header against our own host. */
function isSameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = req.get('origin');
  if (!origin) return false;
  return URL.canParse(origin) && new URL(origin).host === req.get('host');
}
