import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayVietnamDateTime } from '../../src/calendar/calendar-date.js';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { translate } from '../helpers/conversation-harness.js';
import { uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

// Vận hành, on the whole bot (web + worker) and the Zalo stand-in: only the province's
// administrator reaches any of it; the queue dashboard is served with a policy of its own;
// a message Zalo refused goes again through the normal delivery path and arrives once; one
// that may already have arrived goes again only when a duplicate is accepted; the token's
// state is shown, never the token.

// The bot's and Zalo's clock: a fixed day, running at real speed (the sweep and the worker wait on real time).
const started = Date.now();
const now = () => new Date(Date.parse('2026-12-02T02:00:00Z') + (Date.now() - started));
let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let base: string;
const cookies: Record<string, string> = {};
const officials = [
  ['admin', 'province', '75', null, true],
  ['province', 'province', '75', null, false],
  ['commune', 'commune', '75', '26116', false],
  ['secretary', 'secretary', '75', null, false],
  ['daklak', 'province', '66', null, true],
] as const;

async function browse(path: string, who: string, options: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? (options.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: { cookie: cookies[who] ?? '', ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const sentTexts = (text: string) => harness.sim.getSent({ userId: 'sim-user-producer' }).filter((m) => m.text === text);

/** An outbox row for the producer, written as any feature writes one (the sweep enqueues it). */
async function message(text: string): Promise<bigint> {
  const [id] = await harness.db.$transaction((tx) => addToOutbox(tx, [{ idempotencyKey: uniqueId('ops'), recipient: 'sim-user-producer', message: { kind: 'text', text } }], now()));
  return id!;
}

beforeAll(async () => {
  harness = await startBotWithSim({}, { now });
  base = harness.bot.url ?? '';
  const db = harness.db;
  for (const [key, role, provinceCode, communeCode, administrator] of officials) {
    await db.official.create({ data: { name: `Cán bộ ${key}`, role, provinceCode, communeCode, administrator, zaloUserId: `zu-${key}`, linkedAt: now() } });
    const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: `zu-${key}`, now: now(), settings: defaultConsoleAuth }));
    if (link.kind !== 'link') throw new Error(`no link for ${key}`);
    const opened = await fetch(`${base}/console/sign-in/${link.token}`, { redirect: 'manual' });
    cookies[key] = opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
  }
  await db.producer.create({ data: { zaloUserId: 'sim-user-producer', kind: 'cooperative', name: 'HTX Mật ong Tân Phú', representative: 'Nguyễn Thị Hoa', position: 'Giám đốc', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' } });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe('who reaches the operations pages', () => {
  it('only the province’s administrator: any other official gets 404 on every path, the dashboard and its API included', async () => {
    const paths: [string, { method?: string; form?: Record<string, string> }][] = [
      ['/console/operations', {}],
      ['/console/operations/queues', {}],
      ['/console/operations/queues/queue/outbound', {}],
      ['/console/operations/queues/api/queues', {}],
      ['/console/operations/queues/static/images/logo.svg', {}],
      ['/console/operations/queues/api/queues/outbound/retry/failed', { method: 'PUT' }],
      ['/console/operations/queues/api/queues/outbound/add', { method: 'POST' }],
      ['/console/operations/messages/1/retry', { form: { _csrf: '' } }],
    ];
    for (const who of ['province', 'commune', 'secretary']) {
      const home = (await browse('/console', who)).text;
      expect(home).not.toContain('/console/operations');
      for (const [path, options] of paths) {
        const form = options.form ? { form: { _csrf: csrfOf(home) } } : {};
        const answer = await browse(path, who, { ...options, ...form, headers: { 'sec-fetch-site': 'same-origin' } });
        expect(answer.status, `${who} ${options.method ?? 'GET'} ${path}`).toBe(404);
        expect(answer.text).toContain(translate('vi', 'console.notFound'));
      }
    }
    expect((await browse('/console', 'admin')).text).toContain(`<a href="/console/operations">${translate('vi', 'console.nav.operations')}</a>`);
    // Without a session, nothing either.
    expect((await fetch(`${base}/console/operations/queues/api/queues`)).status).toBe(401);
  });

  it('the administrator gets the dashboard and its API, under a policy that allows its own scripts and nothing else', async () => {
    const board = await browse('/console/operations/queues', 'admin');
    expect(board.status).toBe(200);
    expect(board.text).toContain('<base href="/console/operations/queues/" />');
    const policy = board.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/unsafe-eval|https:/);
    expect(board.headers.get('x-powered-by')).toBeNull();
    const script = /src="(static\/js\/main\.[^"]+)"/.exec(board.text)?.[1];
    expect((await browse(`/console/operations/queues/${script}`, 'admin')).headers.get('content-type')).toContain('javascript');

    const api = await browse('/console/operations/queues/api/queues', 'admin');
    expect(api.status).toBe(200);
    const names = (JSON.parse(api.text) as { queues: { name: string; allowRetries: boolean }[] }).queues.map((q) => [q.name, q.allowRetries]).sort();
    expect(names).toEqual([['documents', true], ['inbound', true], ['maintenance', true], ['notifications', true], ['outbound', true]]);
    // Retrying failed jobs works from the board's own page; from another site, nothing changes.
    expect((await browse('/console/operations/queues/api/queues/maintenance/retry/failed', 'admin', { method: 'PUT', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await browse('/console/operations/queues/api/queues/maintenance/retry/failed', 'admin', { method: 'PUT', headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200);

    const page = await browse('/console/operations', 'admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain(translate('vi', 'console.operations.queues.retry'));
    expect(page.text).toContain(`<a class="button" href="/console/operations/queues">${translate('vi', 'console.operations.queues.open')}</a>`);
    // The rest of the console keeps its own policy: scripts from the console itself only, none inline.
    const scriptSrc = /script-src ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    expect(scriptSrc).toBe("'self'");
  });
});

describe('messages that failed', () => {
  it('one Zalo refused is listed with its code and reason; retried, it reaches Zalo exactly once', async () => {
    harness.sim.setUser('sim-user-producer', { following: true, lastInteractionAt: now().getTime() });
    // A refusal for good (not one of a closed window, which is held: unreachable-people.test.ts).
    harness.sim.failNext({ path: '/v3.0/oa/message/cs', error: -201, message: 'Invalid request parameter' });
    const text = 'Hồ sơ của HTX đã được xã kiểm tra.';
    const id = await message(text);
    const failed = await waitFor('Zalo to refuse it', async () => {
      const row = await harness.db.outboundMessage.findUniqueOrThrow({ where: { id } });
      return row.status === 'failed' ? row : undefined;
    });
    expect(failed).toMatchObject({ errorCode: -201, inDoubt: false });

    const page = (await browse('/console/operations', 'admin')).text;
    expect(page).toContain('<strong>HTX Mật ong Tân Phú</strong> (chủ thể · 0912 345 678)');
    expect(page).toContain(`${translate('vi', 'console.operations.messages.zaloCode', { code: '-201' })} — ${translate('vi', 'console.operations.zaloError.badParameter')}`);
    expect(page).toContain('Invalid request parameter');
    expect(page).toContain(translate('vi', 'console.operations.messages.when', { date: displayVietnamDateTime(failed.failedAt ?? new Date(0)), written: displayVietnamDateTime(failed.createdAt) }));
    expect(page).toContain(`action="/console/operations/messages/${id}/retry"`);
    // Another province's administrator neither sees it nor can retry it by its id.
    const daklak = await browse('/console/operations', 'daklak');
    expect(daklak.text).not.toContain('HTX Mật ong Tân Phú');
    expect((await browse(`/console/operations/messages/${id}/retry`, 'daklak', { form: { _csrf: csrfOf(daklak.text) } })).status).toBe(404);
    // A form without the session's token changes nothing.
    expect((await browse(`/console/operations/messages/${id}/retry`, 'admin', { form: { _csrf: 'x'.repeat(43) } })).status).toBe(403);

    const retried = await browse(`/console/operations/messages/${id}/retry`, 'admin', { form: { _csrf: csrfOf(page) } });
    expect(retried.status).toBe(303);
    expect(retried.headers.get('location')).toBe('/console/operations?ok=messageRetried#messages');
    await waitFor('the message to be sent', async () => (await harness.db.outboundMessage.findUniqueOrThrow({ where: { id } })).status === 'sent');
    expect(sentTexts(text)).toHaveLength(1);
    // Retried again (a second tab): refused, and still one.
    const again = await browse(`/console/operations/messages/${id}/retry`, 'admin', { form: { _csrf: csrfOf(page) } });
    expect(again.headers.get('location')).toBe('/console/operations?error=messageNotFailed#messages');
    expect((await browse(again.headers.get('location') ?? '', 'admin')).text).toContain(translate('vi', 'console.flash.messageNotFailed'));
    expect(sentTexts(text)).toHaveLength(1);
  });

  it('one that failed in doubt is not sent again until the administrator accepts a duplicate', async () => {
    const text = 'Nhắc: hạn nộp hồ sơ đợt 1 năm 2027.';
    const id = await message(text);
    // As the worker leaves an interrupted send it could not check with Zalo in time.
    await harness.db.outboundMessage.update({ where: { id }, data: { status: 'failed', inDoubt: true, attempts: 1, lastAttemptAt: now(), failedAt: now(), lastError: 'in doubt: an interrupted send could not be checked for 10 min (Zalo unreachable); not sent again' } });
    const page = (await browse('/console/operations', 'admin')).text;
    expect(page).toContain(translate('vi', 'console.operations.messages.inDoubt'));
    expect(page).toContain('<input type="checkbox" name="acceptDuplicate" value="yes" required>');

    const refused = await browse(`/console/operations/messages/${id}/retry`, 'admin', { form: { _csrf: csrfOf(page) } });
    expect(refused.headers.get('location')).toBe('/console/operations?error=messageInDoubt#messages');
    expect((await browse(refused.headers.get('location') ?? '', 'admin')).text).toContain(translate('vi', 'console.flash.messageInDoubt'));
    expect(await harness.db.outboundMessage.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', inDoubt: true, attempts: 1 });

    const accepted = await browse(`/console/operations/messages/${id}/retry`, 'admin', { form: { _csrf: csrfOf(page), acceptDuplicate: 'yes' } });
    expect(accepted.headers.get('location')).toBe('/console/operations?ok=messageRetried#messages');
    await waitFor('the message to be sent', async () => (await harness.db.outboundMessage.findUniqueOrThrow({ where: { id } })).status === 'sent');
    expect(sentTexts(text)).toHaveLength(1);
    // Nothing was sent while it waited for the confirmation: the one copy is the retried one.
    expect(await harness.db.outboundMessage.findUniqueOrThrow({ where: { id } })).toMatchObject({ inDoubt: false, attempts: 1 });
  });
});

describe('the token', () => {
  it('shows when it expires, when it was renewed and a failed renewal with its reason, never a token', async () => {
    const db = harness.db;
    // Due for renewal within the margin: the sweep tries, and Zalo's OAuth fails.
    harness.sim.failNext({ path: '/v4/oa/access_token', httpStatus: 502, times: 1000 });
    const expires = new Date(now().getTime() + 3600_000);
    await db.zaloToken.update({ where: { id: 'oa' }, data: { accessExpiresAt: expires } });
    const failing = await waitFor('a failed renewal to be recorded', async () => (await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } })).refreshFailedAt ?? undefined);
    const page = (await browse('/console/operations', 'admin')).text;
    expect(page).toContain(translate('vi', 'console.operations.token.failing', { date: displayVietnamDateTime(failing) }));
    expect(page).toContain(displayVietnamDateTime(expires));
    expect(page).toContain('OAuth answered HTTP 502');
    const secrets = await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } });
    expect(page).not.toContain(secrets.accessToken);
    expect(page).not.toContain(secrets.refreshToken);

    harness.sim.clearFaults();
    const renewed = await waitFor('the renewal to succeed', async () => (await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } })).refreshedAt ?? undefined);
    const after = (await browse('/console/operations', 'admin')).text;
    expect(after).toContain(translate('vi', 'console.operations.token.healthy'));
    expect(after).toContain(displayVietnamDateTime(renewed));
    const fresh = await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } });
    expect(fresh.version).toBe(2);
    expect(after).not.toContain(fresh.accessToken);
    expect(after).not.toContain(fresh.refreshToken);
  });

  it('warns from 80 % of the month’s Zalo uploads, and says when packets go as links', async () => {
    const db = harness.db;
    const page = () => browse('/console/operations', 'admin').then((r) => r.text);
    const vars = { month: '12/2026', quota: '5000' };
    expect(await page()).not.toContain(translate('vi', 'console.operations.uploadQuota.warning', { ...vars, percent: '80', uploads: '3999', remaining: '1001' }));
    await db.zaloUploadMonth.create({ data: { month: '2026-12', uploads: 3999 } });
    expect(await page()).not.toContain('hạn mức gửi tệp');
    await db.zaloUploadMonth.update({ where: { month: '2026-12' }, data: { uploads: 4000 } });
    expect(await page()).toContain(translate('vi', 'console.operations.uploadQuota.warning', { ...vars, percent: '80', uploads: '4000', remaining: '1000' }));
    await db.zaloUploadMonth.update({ where: { month: '2026-12' }, data: { uploads: 4800 } });
    expect(await page()).toContain(translate('vi', 'console.operations.uploadQuota.warning', { ...vars, percent: '95', uploads: '4800', remaining: '200' }));
    await db.zaloUploadMonth.update({ where: { month: '2026-12' }, data: { uploads: 5000 } });
    expect(await page()).toContain(translate('vi', 'console.operations.uploadQuota.exhausted', { ...vars, uploads: '5000' }));
    await db.zaloUploadMonth.delete({ where: { month: '2026-12' } });
  });
});
