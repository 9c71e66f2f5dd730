import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { newStorageKey, type DocumentStorage } from '../../src/storage/storage.js';
import { Readable } from 'node:stream';
import { makeJpeg, makePdf } from '../helpers/make-documents.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { startConsoleApp } from '../helpers/admin-app.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, testDatabaseUrl } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';

// The officials' console: signed in through the OA, its pages, its rules.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 5 });
const redis = new Redis(testConfig().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
// Wednesday 2 December 2026, 09:00 in Vietnam.
const clock = { now: new Date('2026-12-02T02:00:00Z') };
let conversation: LoadedConversation;
let base: string;
let close: () => Promise<void>;
let storage: DocumentStorage;
const enqueued: bigint[][] = [];
/** Meetings whose dossiers the console asked to send (distribution itself is tested in meeting-distribution). */
const distributed: bigint[] = [];
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));
const ids: Record<string, bigint> = {};

/** A request as a browser sends it: the cookie it holds, no redirect followed. */
async function browse(path: string, options: { cookie?: string; form?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The link the OA sends after "đăng nhập", as the path on this server. */
async function askForLink(zaloUserId: string): Promise<{ path: string | undefined; text: string }> {
  await driver.say(zaloUserId, 'đăng nhập');
  const row = await db.outboundMessage.findFirstOrThrow({ where: { recipient: zaloUserId }, orderBy: { id: 'desc' } });
  const message = outgoingMessageSchema.parse(row.payload);
  if (message.kind !== 'text') throw new Error('expected a text');
  const button = message.buttons?.[0]?.action;
  return { path: button?.kind === 'url' ? new URL(button.url).pathname + new URL(button.url).search : undefined, text: message.text };
}

async function signIn(zaloUserId: string): Promise<string> {
  const link = await askForLink(zaloUserId);
  const opened = await browse(link.path ?? '/');
  expect(opened.status).toBe(303);
  return sessionCookieOf(opened.headers);
}

/** The session cookie among those a response sets, as a browser would send it back. */
function sessionCookieOf(headers: Headers): string {
  return headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation, enqueueOutbound: async (outbox) => void enqueued.push(outbox), distribute: async (meetingId) => (distributed.push(meetingId), []) });
  base = started.base;
  close = started.close;
  storage = started.storage;
});

beforeEach(async () => {
  await db.$executeRawUnsafe('TRUNCATE console_session, console_sign_in, official_request, notification, dossier_packet, dossier_document, delivery, evaluation_result, official, api_token, council, council_member, council_person, meeting, meeting_product, product_idea, producer, dossier, dossier_event, outbound_message, zalo_user, conversation_session, inbound_event RESTART IDENTITY CASCADE');
  enqueued.length = 0;
  for (const [key, role, communeCode] of [['commune', 'commune', '26116'], ['other', 'commune', '26020'], ['province', 'province', null], ['secretary', 'secretary', null]] as const) {
    const official = await db.official.create({ data: { name: `Cán bộ ${key}`, role, provinceCode: '75', communeCode, zaloUserId: `zu-${key}`, linkedAt: clock.now } });
    await linkedUser(db, `zu-${key}`, clock.now);
    ids[key] = official.id;
  }
  const producer = await makeProducer(db, 'zu-producer');
  await linkedUser(db, 'zu-producer', clock.now);
  // An idea to review, and a dossier handed in on Monday 23 November (15 working days: 14 December).
  ids.idea = (await makeIdea(db, producer.id, new Date('2026-11-30T02:00:00Z'), { status: 'submitted' })).id;
  ids.dossierIdea = (await makeIdea(db, producer.id, new Date('2026-11-23T02:00:00Z'), { status: 'accepted', dossier: 'submitted' })).id;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
});

describe('signing in through the OA', () => {
  it('a linked official gets a one-time link bound to their Zalo account; anyone else is told what to do', async () => {
    const link = await askForLink('zu-commune');
    expect(link.text).toBe(translate('vi', 'console.signIn.link', { name: 'Cán bộ commune', minutes: '10' }));
    expect(link.path).toMatch(/^\/console\/sign-in\/[A-Za-z0-9_-]{43}\?lang=vi$/);
    expect((await askForLink('zu-producer')).text).toBe(translate('vi', 'console.signIn.notOfficial'));
    // Only the token's digest is kept.
    const stored = await db.consoleSignIn.findFirstOrThrow();
    expect(link.path).not.toContain(stored.tokenHash);
  });

  it('opens once, before it expires, into an httpOnly session; the page carries security headers', async () => {
    const link = await askForLink('zu-commune');
    const opened = await browse(link.path ?? '/');
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/console');
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/ocop_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Lax; Max-Age=43200/);
    expect((await browse(link.path ?? '/')).status).toBe(401);

    const later = await askForLink('zu-commune');
    clock.now = new Date(clock.now.getTime() + 11 * 60_000);
    const expired = await browse(later.path ?? '/');
    expect(expired.status).toBe(401);
    expect(expired.text).toContain(translate('vi', 'console.signIn.failed'));
    clock.now = new Date('2026-12-02T02:00:00Z');

    const home = await browse('/console', { cookie: sessionCookieOf(opened.headers) });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(home.headers.get('cache-control')).toBe('no-store');
    // The server time of the page, for the browser's developer tools and the journey test.
    expect(home.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d$/);
  });

  it('refuses a sixth link within ten minutes, and says when to try again', async () => {
    for (let i = 0; i < 5; i += 1) expect((await askForLink('zu-commune')).path).toBeDefined();
    const refused = await askForLink('zu-commune');
    expect(refused.path).toBeUndefined();
    expect(refused.text).toBe(translate('vi', 'console.signIn.tooMany', { time: '02/12/2026 09:10' }));
  });

  it('an official the province deactivates (POST /admin/v1/officials/:id/deactivate) loses the open session at once and cannot sign in again', async () => {
    const cookie = await signIn('zu-commune');
    expect((await browse('/console', { cookie })).status).toBe(200);
    const deactivate = (token: string) => fetch(`${base}/admin/v1/officials/${ids.commune}/deactivate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const communeToken = (await createApiToken(db, { name: `Xã ${clock.now.getTime()}`, role: 'commune', provinceCode: '75', communeCode: '26116' })).token;
    expect((await deactivate(communeToken)).status).toBe(403);
    expect((await browse('/console', { cookie })).status).toBe(200);
    const provinceToken = (await createApiToken(db, { name: `Tỉnh ${clock.now.getTime()}`, role: 'province', provinceCode: '75' })).token;
    const answered = await deactivate(provinceToken);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ id: String(ids.commune), name: 'Cán bộ commune', deactivatedAt: clock.now.toISOString() });
    expect((await browse('/console', { cookie })).status).toBe(401);
    expect((await askForLink('zu-commune')).text).toBe(translate('vi', 'console.signIn.deactivated'));
    // Both attempts are in the action log under their tokens: the commune's refused, the province's done.
    const logged = await waitFor('the deactivations to be logged', async () => {
      const found = await db.officialAction.findMany({ where: { route: '/admin/v1/officials/:id/deactivate' }, orderBy: { id: 'asc' } });
      return found.length >= 2 ? found : undefined;
    });
    expect(logged.map((r) => [r.actorKind, r.actorName.slice(0, 4), r.target, r.status, r.sessionId])).toEqual([
      ['api_token', 'Xã 1', { id: String(ids.commune) }, 403, null],
      ['api_token', 'Tỉnh', { id: String(ids.commune) }, 200, null],
    ]);
  });
});

describe('the pages', () => {
  it('Việc cần làm: the commune’s own tasks, the dossier with its working days left; another commune sees none of them', async () => {
    const page = (await browse('/console', { cookie: await signIn('zu-commune') })).text;
    expect(page).toContain('<html lang="vi">');
    expect(page).toContain('Xem xét ý tưởng');
    expect(page).toContain('Kiểm tra hồ sơ');
    // Handed in Monday 23/11; 15 working days (24/11 is Culture Day) end on Tuesday 15/12; from Wednesday 2/12, 9 are left.
    expect(page).toContain('Còn 9 ngày làm việc (hạn 15/12/2026)');
    const other = (await browse('/console', { cookie: await signIn('zu-other') })).text;
    expect(other).not.toContain(translate('vi', 'console.tasks.kind.unreachable'));
    expect(other).toContain(translate('vi', 'console.tasks.none'));
    expect(other).not.toContain('Mật ong');
  });

  it('lists the people the bot could not reach, with a phone number to call', async () => {
    const producer = await db.producer.findFirstOrThrow({ where: { zaloUserId: 'zu-producer' } });
    await db.notification.create({
      data: { key: 'test:unreachable', kind: 'dossier.returned', recipientKind: 'producer', recipientId: producer.id, provinceCode: '75', communeCode: '26116', productIdeaId: ids.dossierIdea!, dueAt: clock.now, sendAt: clock.now, routine: true, vars: {}, state: 'unreachable', createdAt: clock.now, closedAt: clock.now },
    });
    await db.outboundMessage.create({ data: { idempotencyKey: 'test:refused', recipient: 'zu-producer', payload: { kind: 'text', text: 'x' }, status: 'failed', lastError: 'Zalo -213: user has blocked the OA', createdAt: clock.now, failedAt: clock.now } });
    const page = (await browse('/console', { cookie: await signIn('zu-commune') })).text;
    expect(page).toContain(translate('vi', 'console.tasks.kind.unreachable'));
    expect(page).toContain('HTX zu-producer · 0912 000 001');
    expect(page).toContain(translate('vi', 'console.tasks.kind.refusedByZalo'));
    expect(page).toContain('Zalo -213: user has blocked the OA');
    // Another commune's official sees neither.
    const other = (await browse('/console', { cookie: await signIn('zu-other') })).text;
    expect(other).not.toContain('Zalo -213');
  });

  it('a producer’s “Gặp cán bộ” request stays on the commune’s list, late after the province’s working days, until an official says what they did', async () => {
    // Through the chat: the producer writes to their commune's officials.
    await driver.play('zu-producer', ['menu', 'Gặp cán bộ', 'Xin hướng dẫn cách chụp phiếu kiểm nghiệm']);
    const [request] = await db.officialRequest.findMany({ where: { zaloUserId: 'zu-producer' } });
    expect(request).toMatchObject({ communeCode: '26116', provinceCode: '75', message: 'Xin hướng dẫn cách chụp phiếu kiểm nghiệm', answeredAt: null });
    const commune = await signIn('zu-commune');
    // Sent on Wednesday 2 December: two working days, so due Friday 4 December.
    const tasks = (await browse('/console', { cookie: commune })).text;
    expect(tasks).toContain(translate('vi', 'console.tasks.kind.answerRequest'));
    expect(tasks).toContain('Xin hướng dẫn cách chụp phiếu kiểm nghiệm');
    expect(tasks).toContain(translate('vi', 'console.tasks.left', { days: '2', date: '04/12/2026' }));
    expect((await browse('/console', { cookie: await signIn('zu-other') })).text).not.toContain('Xin hướng dẫn cách chụp');
    expect((await browse(`/console/requests/${String(request!.id)}`, { cookie: await signIn('zu-other') })).status).toBe(404);
    const page = (await browse(`/console/requests/${String(request!.id)}`, { cookie: commune })).text;
    expect(page).toContain('href="tel:0912000001"');
    // A note is required; then it is answered once, by whom, and leaves the list.
    expect((await browse(`/console/requests/${String(request!.id)}/answered`, { cookie: commune, form: { _csrf: csrfOf(page), note: '' } })).headers.get('location')).toContain('error=note');
    expect((await browse(`/console/requests/${String(request!.id)}/answered`, { cookie: commune, form: { _csrf: csrfOf(page), note: 'Đã gọi điện hướng dẫn.' } })).status).toBe(303);
    expect(await db.officialRequest.findUniqueOrThrow({ where: { id: request!.id } })).toMatchObject({ answeredBy: 'Cán bộ commune', answerNote: 'Đã gọi điện hướng dẫn.' });
    expect((await browse('/console', { cookie: commune })).text).not.toContain('Xin hướng dẫn cách chụp');
  });

  it('switches to English and remembers it', async () => {
    const cookie = await signIn('zu-province');
    const english = await browse('/console?lang=en', { cookie });
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('Review the idea');
    expect(english.headers.get('set-cookie')).toContain('ocop_lang=en');
  });

  it('accepting an idea needs the page’s CSRF token; then the producer is told and the page says so', async () => {
    const cookie = await signIn('zu-commune');
    const page = (await browse(`/console/ideas/${ids.idea}`, { cookie })).text;
    const forged = await browse(`/console/ideas/${ids.idea}/accept`, { cookie, form: { _csrf: 'x'.repeat(43) } });
    expect(forged.status).toBe(403);
    expect((await db.productIdea.findUniqueOrThrow({ where: { id: ids.idea! } })).status).toBe('submitted');

    const accepted = await browse(`/console/ideas/${ids.idea}/accept`, { cookie, form: { _csrf: csrfOf(page) } });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe(`/console/ideas/${ids.idea}?ok=accepted`);
    expect(await db.productIdea.findUniqueOrThrow({ where: { id: ids.idea! } })).toMatchObject({ status: 'accepted', reviewedBy: 'Cán bộ commune' });
    expect(enqueued).toHaveLength(1);
    expect((await browse(accepted.headers.get('location') ?? '', { cookie })).text).toContain(translate('vi', 'console.flash.accepted'));
  });

  it('every change is in the province’s action log, refused ones too: who, from which session, what, on which ids, how it ended', async () => {
    const rows = await waitFor('the accept and its forgery to be logged', async () => {
      const found = await db.officialAction.findMany({ where: { route: '/console/ideas/:id/accept' }, orderBy: { id: 'asc' } });
      return found.length >= 2 ? found : undefined;
    });
    // Both from one console session (its id, never its cookie), of the commune official who signed in.
    const commune = await db.official.findFirstOrThrow({ where: { zaloUserId: 'zu-commune' } });
    const sessionId = rows[0]?.sessionId;
    expect(sessionId).not.toBeNull();
    expect(rows.map((r) => [r.actorKind, r.actorId, r.sessionId, r.method, r.target, r.status, r.provinceCode, r.communeCode])).toEqual([
      ['official', commune.id, sessionId, 'POST', { id: String(ids.idea) }, 403, '75', commune.communeCode],
      ['official', commune.id, sessionId, 'POST', { id: String(ids.idea) }, 303, '75', commune.communeCode],
    ]);
    // Signing in is an action too (a GET, as a link from Zalo must be), with the session it started.
    const signIns = await db.officialAction.findMany({ where: { route: '/console/sign-in/:token', actorId: commune.id } });
    expect(signIns.map((r) => r.sessionId)).toContain(sessionId);
    // The province reads it; a commune official has no such page.
    const log = await browse('/console/audit', { cookie: await signIn('zu-province') });
    expect(log.status).toBe(200);
    expect(log.text).toContain('POST /console/ideas/:id/accept');
    expect(log.text).toContain(translate('vi', 'console.audit.refused', { status: '403' }));
    expect(log.text).toContain(translate('vi', 'console.audit.done', { status: '303' }));
    expect((await browse('/console/audit', { cookie: await signIn('zu-commune') })).status).toBe(404);
  });

  it('a council secretary reads ideas and dossiers but cannot decide', async () => {
    const cookie = await signIn('zu-secretary');
    const read = await browse(`/console/ideas/${ids.idea}`, { cookie });
    expect(read.status).toBe(200);
    expect(read.text).toContain('Thư ký hội đồng');
    expect(read.text).not.toContain('/accept');
    expect((await browse(`/console/ideas/${ids.idea}/accept`, { cookie, form: { _csrf: csrfOf(read.text) } })).status).toBe(404);
    expect((await db.productIdea.findUniqueOrThrow({ where: { id: ids.idea! } })).status).toBe('submitted');
  });

  it('the dossier page refuses a check while items are missing and names why', async () => {
    const cookie = await signIn('zu-commune');
    const page = (await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text;
    expect(page).toContain(translate('vi', 'dossier.item.communeProposal'));
    const refused = await browse(`/console/ideas/${ids.dossierIdea}/dossier/check`, { cookie, form: { _csrf: csrfOf(page) } });
    expect(refused.headers.get('location')).toBe(`/console/ideas/${ids.dossierIdea}/dossier?error=incomplete`);
    expect((await db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.dossierIdea! } })).status).toBe('submitted');
  });

  it('exports the region’s ideas to Excel with Vietnamese headers and dd/mm/yyyy dates', async () => {
    const response = await fetch(`${base}/console/ideas.xlsx?status=submitted`, { headers: { cookie: await signIn('zu-province') } });
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Số phiếu');
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(8).value).toBe('30/11/2026');
  });

  it('without a session every page says how to sign in', async () => {
    const page = await browse('/console/ideas');
    expect(page.status).toBe(401);
    expect(page.text).toContain(translate('vi', 'console.signedOut'));
  });
});

describe('council meetings', () => {
  it('the month shows days off and a date’s delivery deadline before anything is saved; a too-soon date names the earliest lawful one', async () => {
    const cookie = await signIn('zu-province');
    const november = (await browse('/console/meetings?month=2026-11', { cookie })).text;
    // Culture Day, Tuesday 24/11/2026, is a day off.
    expect(november).toContain('<div class="day off"><span class="n">24</span>');
    expect(november).toContain('<div class="day"><span class="n">25</span>');
    // Wednesday 2/12, 09:00: a meeting on Thursday 3/12 leaves no whole working day.
    const tooSoon = (await browse('/console/meetings?date=2026-12-03', { cookie })).text;
    expect(tooSoon).toContain(translate('vi', 'console.meetings.tooSoon', { date: '03/12/2026', days: '1', earliest: '04/12/2026' }));
    const monday = (await browse('/console/meetings?date=2026-12-07', { cookie })).text;
    expect(monday).toContain(translate('vi', 'console.meetings.deadline', { date: '07/12/2026', time: '07:30', deadline: '04/12/2026', days: '1' }));
  });

  it('schedules a meeting from checked dossiers, refuses a too-soon date without saving, and locks it to send the dossiers', async () => {
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    await db.dossier.update({ where: { productIdeaId: ids.dossierIdea! }, data: { status: 'checked' } });
    const cookie = await signIn('zu-province');
    const page = (await browse('/console/meetings', { cookie })).text;
    expect(page).toContain(`name="products" value="${ids.dossierIdea}"`);
    const form = { _csrf: csrfOf(page), council: String(council.id), time: '08:00', place: 'Hội trường Sở', products: String(ids.dossierIdea) };

    const refused = await browse('/console/meetings', { cookie, form: { ...form, date: '2026-12-03' } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Ngày họp sớm nhất hợp lệ là 04/12/2026');
    expect(await db.meeting.count()).toBe(0);

    const scheduled = await browse('/console/meetings', { cookie, form: { ...form, date: '2026-12-07' } });
    expect(scheduled.status).toBe(303);
    const meeting = await db.meeting.findFirstOrThrow({ include: { products: true } });
    expect(meeting).toMatchObject({ date: '2026-12-07', time: '08:00', place: 'Hội trường Sở', deliveryDeadline: new Date('2026-12-04T00:30:00Z') });
    expect(meeting.products.map((p) => p.productIdeaId)).toEqual([ids.dossierIdea]);
    const shown = await browse(scheduled.headers.get('location') ?? '', { cookie });
    expect(shown.text).toContain(translate('vi', 'console.flash.meetingScheduled'));
    expect(shown.text).toContain('trước 04/12/2026 07:30 (1 ngày làm việc trước ngày họp)');

    // Until its list is final, the meeting is a task, due with its delivery deadline.
    expect((await browse('/console', { cookie })).text).toContain('Chốt danh sách họp để gửi hồ sơ');
    expect((await browse('/console', { cookie })).text).toContain('Còn 2 ngày làm việc (hạn 04/12/2026)');

    const locked = await browse(`/console/meetings/${meeting.id}/lock`, { cookie, form: { _csrf: csrfOf(shown.text) } });
    expect(locked.headers.get('location')).toBe(`/console/meetings/${meeting.id}?ok=locked`);
    expect(distributed).toEqual([meeting.id]);

    // Locked, with a member who has not confirmed receipt: named in the task list until the meeting.
    await db.meeting.update({ where: { id: meeting.id }, data: { status: 'locked' } });
    const member = await db.councilPerson.create({ data: { name: 'Võ Thị Mai', provinceCode: '75', zaloUserId: 'zu-mai' } });
    await db.councilMember.create({ data: { councilId: council.id, personId: member.id, role: 'member' } });
    await db.delivery.create({ data: { key: `test:${meeting.id}:${member.id}`, meetingId: meeting.id, personId: member.id, productIdeaId: ids.dossierIdea!, status: 'planned', channel: 'cs', outboundIds: [], createdAt: clock.now } });
    const board = (await browse(`/console/meetings/${meeting.id}`, { cookie })).text;
    // Her role in the page's language, never the code.
    expect(board).toContain('Võ Thị Mai</strong> · thành viên');
    expect(board).toContain(`/console/meetings/${meeting.id}/deliveries.pdf`);
    const proof = await fetch(`${base}/console/meetings/${meeting.id}/deliveries.pdf`, { headers: { cookie } });
    expect(proof.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await proof.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const tasks = (await browse('/console', { cookie })).text;
    expect(tasks).not.toContain('Chốt danh sách họp để gửi hồ sơ');
    expect(tasks).toContain('Thành viên chưa xác nhận nhận hồ sơ');
    expect(tasks).toContain('Võ Thị Mai');
  });

  it('lists each council’s people with whether they linked Zalo, and shows a re-issued invitation code once', async () => {
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    const linked = await db.councilPerson.create({ data: { name: 'Nguyễn Thị Hạnh', phone: '84912000222', provinceCode: '75', zaloUserId: 'zu-member', linkedAt: new Date('2026-11-20T02:00:00Z') } });
    const waiting = await db.councilPerson.create({ data: { name: 'Phạm Văn Đức', provinceCode: '75', invitationCode: 'OCOP-AAAA-BBBB', invitationExpiresAt: new Date('2026-11-25T02:00:00Z') } });
    await db.councilMember.createMany({ data: [{ councilId: council.id, personId: linked.id, role: 'chair' }, { councilId: council.id, personId: waiting.id, role: 'member' }] });
    const cookie = await signIn('zu-secretary');
    const page = (await browse('/console/councils', { cookie })).text;
    expect(page).toContain('Nguyễn Thị Hạnh</strong> · chủ tịch · 0912 000 222');
    expect(page).toContain(translate('vi', 'console.councils.linked', { date: '20/11/2026' }));
    expect(page).toContain(translate('vi', 'console.councils.codeUntil', { date: '25/11/2026 09:00' }));
    expect(page).not.toContain(`/console/councils/people/${linked.id}/invitation`);

    const reissued = await browse(`/console/councils/people/${waiting.id}/invitation`, { cookie, form: { _csrf: csrfOf(page) } });
    expect(reissued.status).toBe(200);
    const person = await db.councilPerson.findUniqueOrThrow({ where: { id: waiting.id } });
    expect(person.invitationCode).not.toBe('OCOP-AAAA-BBBB');
    expect(reissued.text).toContain(`Mã mời mới: ${person.invitationCode}`);
    // Beside the code, a QR code (inline SVG, no script) that opens the OA's chat, and the link itself.
    expect(reissued.text).toMatch(/<figure class="qr"><svg[^>]*viewBox="[^"]+"[\s\S]*<\/svg>\s*<figcaption>/);
    expect(reissued.text).toContain(`gửi mã mời ${person.invitationCode}`);
    expect(reissued.text).toContain('<a href="https://zalo.me/1234567890123456789">https://zalo.me/1234567890123456789</a>');
    expect(person.invitationExpiresAt).toEqual(new Date(clock.now.getTime() + 72 * 3600_000));
  });

  it('the province creates a council from typed lines; a line it cannot read is named, and the codes are shown once', async () => {
    const cookie = await signIn('zu-province');
    const page = (await browse('/console/councils', { cookie })).text;
    const form = { _csrf: csrfOf(page), name: 'Hội đồng OCOP tỉnh Đồng Nai 2027', year: '2027' };
    const bad = await browse('/console/councils', { cookie, form: { ...form, members: 'Nguyễn Văn An; 0912 345 678; chủ tịch\nTrần Thị Bình; 12; thành viên\nLê Văn Cường;; thư ký' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(translate('vi', 'console.councils.badLines', { lines: '2' }));
    const noSecretary = await browse('/console/councils', { cookie, form: { ...form, members: 'Nguyễn Văn An; ; chu tich\nTrần Thị Bình; ; thanh vien\nLê Văn Cường; ; member' } });
    expect(noSecretary.text).toContain(translate('vi', 'console.councils.composition'));
    expect(await db.council.count()).toBe(0);

    const created = await browse('/console/councils', { cookie, form: { ...form, members: 'Nguyễn Văn An; 0912 345 678; chủ tịch\nTrần Thị Bình; ; Thành viên\nLê Văn Cường;; thư ký' } });
    expect(created.status).toBe(201);
    const council = await db.council.findFirstOrThrow({ include: { members: { include: { person: true }, orderBy: { personId: 'asc' } } } });
    expect(council).toMatchObject({ name: 'Hội đồng OCOP tỉnh Đồng Nai 2027', year: 2027, level: 'province', provinceCode: '75' });
    expect(council.members.map((m) => [m.person.name, m.person.phone, m.role])).toEqual([
      ['Nguyễn Văn An', '84912345678', 'chair'],
      ['Trần Thị Bình', null, 'member'],
      ['Lê Văn Cường', null, 'secretary'],
    ]);
    for (const m of council.members) expect(created.text).toContain(m.person.invitationCode ?? 'missing');
    // A secretary reads councils but does not create them.
    const secretary = await signIn('zu-secretary');
    const secretaryPage = (await browse('/console/councils', { cookie: secretary })).text;
    expect(secretaryPage).not.toContain(translate('vi', 'console.councils.create'));
    expect((await browse('/console/councils', { cookie: secretary, form: { ...form, _csrf: csrfOf(secretaryPage), members: 'x' } })).status).toBe(404);
  });

  it('a council is not made twice when its confirmation is reloaded (the browser posts the form again)', async () => {
    const cookie = await signIn('zu-province');
    const page = (await browse('/console/councils', { cookie })).text;
    const form = { _csrf: csrfOf(page), name: 'Hội đồng OCOP tỉnh Đồng Nai 2027', year: '2027', members: 'Nguyễn Văn An; ; chủ tịch\nTrần Thị Bình; ; thành viên\nLê Văn Cường; ; thư ký' };
    expect((await browse('/console/councils', { cookie, form })).status).toBe(201);
    const again = await browse('/console/councils', { cookie, form });
    expect(again.status).toBe(409);
    expect(again.text).toContain(translate('vi', 'console.councils.exists', { name: 'Hội đồng OCOP tỉnh Đồng Nai 2027', year: '2027' }));
    expect(await db.council.count()).toBe(1);
    expect(await db.councilPerson.count()).toBe(3);
  });

  it('on the meeting day the secretary enters the scores: a spread too wide is sent back, then the result is recorded with its stars', async () => {
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    const people: bigint[] = [];
    for (const [name, role] of [['Chủ tịch Hùng', 'chair'], ['Thành viên Lan', 'member'], ['Thành viên Minh', 'member'], ['Thành viên Nga', 'member']] as const) {
      const person = await db.councilPerson.create({ data: { name, provinceCode: '75' } });
      await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
      people.push(person.id);
    }
    await db.dossier.update({ where: { productIdeaId: ids.dossierIdea! }, data: { status: 'checked' } });
    // The meeting is today (Wednesday 2/12/2026).
    const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-02', time: '08:00', place: 'Sở', status: 'locked', leadWorkingDays: 1, deliveryDeadline: new Date('2026-12-01T00:30:00Z'), createdBy: 'test', createdAt: clock.now } });
    await db.meetingProduct.create({ data: { meetingId: meeting.id, productIdeaId: ids.dossierIdea! } });
    const cookie = await signIn('zu-secretary');
    const page = (await browse(`/console/meetings/${meeting.id}`, { cookie })).text;
    expect(page).toContain(translate('vi', 'console.results.enter'));
    const scores = (values: number[]) => Object.fromEntries(people.map((id, i) => [`score_${ids.dossierIdea}_${id}`, String(values[i])]));
    const form = (values: number[]) => {
      const body = new URLSearchParams({ _csrf: csrfOf(page), ...scores(values) });
      for (const id of people) body.append('present', String(id));
      return body.toString();
    };
    const post = (values: number[]) => fetch(`${base}/console/meetings/${meeting.id}/results`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form(values) });

    const spread = await post([72, 73, 85, 72]);
    expect(spread.status).toBe(400);
    expect(await spread.text()).toContain('chênh nhau quá 10 điểm');
    expect(await db.evaluationResult.count()).toBe(0);

    const recorded = await post([72, 73, 72.5, 72]);
    expect(recorded.headers.get('location')).toBe(`/console/meetings/${meeting.id}?ok=resultsRecorded`);
    expect(await db.evaluationResult.findFirstOrThrow()).toMatchObject({ stars: 4, certifyingLevel: 'province', scoreCount: 4, recordedBy: 'Cán bộ secretary' });
    const shown = (await browse(`/console/meetings/${meeting.id}`, { cookie })).text;
    expect(shown).toContain(translate('vi', 'console.results.level.province'));
    expect(shown).toContain('hạng 4 sao');

    // A correction: one product's scores again, with the reason; without a reason nothing changes.
    const correct = (values: number[], reason: string) => {
      const body = new URLSearchParams({ _csrf: csrfOf(shown), product: String(ids.dossierIdea), reason, ...scores(values) });
      for (const id of people) body.append('present', String(id));
      return fetch(`${base}/console/meetings/${meeting.id}/results`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    };
    expect(shown).toContain(translate('vi', 'console.results.correct'));
    expect((await correct([62, 63, 62.5, 62], ' ')).headers.get('location')).toBe(`/console/meetings/${meeting.id}?error=correctionReason`);
    expect(await db.evaluationResult.count()).toBe(1);
    const corrected = await correct([62, 63, 62.5, 62], 'Thư ký nhập nhầm điểm cả hội đồng');
    expect(corrected.headers.get('location')).toBe(`/console/meetings/${meeting.id}?ok=resultsCorrected`);
    const revisions = await db.evaluationResult.findMany({ orderBy: { revision: 'asc' } });
    expect(revisions.map((r) => [r.revision, r.stars, r.supersededAt !== null, r.correctionReason])).toEqual([
      [1, 4, true, null],
      [2, 3, false, 'Thư ký nhập nhầm điểm cả hội đồng'],
    ]);
    const after = (await browse(`/console/meetings/${meeting.id}?ok=resultsCorrected`, { cookie })).text;
    expect(after).toContain('hạng 3 sao');
    expect(after).toContain('Lần ghi 2, đã sửa vì: Thư ký nhập nhầm điểm cả hội đồng');
    expect(after).toContain('Lần ghi 1 (đã thay): Điểm trung bình 72,37/100 của 4 thành viên: hạng 4 sao.');
  });

  it('is the province’s: a commune official has no meetings page', async () => {
    const cookie = await signIn('zu-commune');
    expect((await browse('/console', { cookie })).text).not.toContain('/console/meetings');
    expect((await browse('/console/meetings', { cookie })).status).toBe(404);
  });
});

describe('the commune’s own documents', () => {
  /** A form with a file, as the browser sends it. */
  async function upload(path: string, cookie: string, fields: Record<string, string>, file?: { bytes: Buffer; name: string; type: string }) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file) form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    const response = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: form });
    return { status: response.status, location: response.headers.get('location') };
  }

  it('Form 03 and the proposal letter are uploaded from the dossier page, then the dossier is checked', async () => {
    const dossier = await db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.dossierIdea! } });
    const producerItems = ['form01', 'form02', 'businessPlan', 'businessRegistration', 'foodSafety', 'qualityDeclaration', 'testReport', 'labelPackaging'];
    await db.dossierDocument.createMany({
      data: producerItems.map((itemCode, i) => ({ dossierId: dossier.id, itemCode, position: 1, status: 'stored' as const, uploadedBy: 'zu-producer', mediaType: 'application/pdf', printable: true, sizeBytes: 10, sha256: String(i).repeat(64), storageKey: `documents/2026/11/30000000-0000-4000-8000-00000000000${i}.pdf`, createdAt: clock.now })),
    });
    const cookie = await signIn('zu-commune');
    const page = (await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text;
    const csrf = csrfOf(page);
    const pdf = { bytes: Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n'), name: 'mau03.pdf', type: 'application/pdf' };
    const path = (item: string) => `/console/ideas/${ids.dossierIdea}/dossier/commune/${item}`;

    expect((await upload(path('form03'), cookie, { _csrf: 'x'.repeat(43) }, pdf)).status).toBe(403);
    expect((await upload(path('form03'), cookie, { _csrf: csrf }, { bytes: Buffer.from('biên bản'), name: 'a.txt', type: 'text/plain' })).location).toContain('error=uploadRefused');
    expect((await upload(path('form03'), cookie, { _csrf: csrf }, pdf)).location).toContain('ok=uploaded');
    expect((await browse(`/console/ideas/${ids.dossierIdea}/dossier/check`, { cookie, form: { _csrf: csrf } })).headers.get('location')).toContain('error=incomplete');
    expect((await upload(path('communeProposal'), cookie, { _csrf: csrf }, { ...pdf, name: 'to-trinh.pdf' })).location).toContain('ok=uploaded');

    const checked = await browse(`/console/ideas/${ids.dossierIdea}/dossier/check`, { cookie, form: { _csrf: csrf } });
    expect(checked.headers.get('location')).toBe(`/console/ideas/${ids.dossierIdea}/dossier?ok=checked`);
    expect(await db.dossier.findUniqueOrThrow({ where: { id: dossier.id } })).toMatchObject({ status: 'checked', checkedBy: 'Cán bộ commune' });
    const commune = await db.dossierDocument.findMany({ where: { dossierId: dossier.id, itemCode: { in: ['form03', 'communeProposal'] } }, orderBy: { id: 'asc' } });
    expect(commune.map((d) => [d.itemCode, d.status, d.mediaType, d.uploadedBy])).toEqual([
      ['form03', 'stored', 'application/pdf', 'admin:Cán bộ commune'],
      ['communeProposal', 'stored', 'application/pdf', 'admin:Cán bộ commune'],
    ]);
  });
});

describe('the packet from the dossier page', () => {
  it('builds the packet of the current version, downloads it with its SHA-256, and shows the dossier’s history', async () => {
    const dossier = await db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.dossierIdea! } });
    const bytes = Buffer.from(await makePdf({ pages: 2, label: 'Mau 01' }));
    const storageKey = newStorageKey('document', 'pdf', clock.now);
    await storage.put(storageKey, Readable.from([bytes]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
    const document = await db.dossierDocument.create({ data: { dossierId: dossier.id, itemCode: 'form01', position: 1, status: 'stored', uploadedBy: 'zu-producer', mediaType: 'application/pdf', printable: true, sizeBytes: bytes.byteLength, sha256: 'c'.repeat(64), storageKey, createdAt: clock.now } });
    const cookie = await signIn('zu-commune');
    // A document whose bytes do not match its record is never packed: the official is told, nothing is built.
    const first = (await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text;
    const broken = await browse(`/console/ideas/${ids.dossierIdea}/dossier/packet`, { cookie, form: { _csrf: csrfOf(first) } });
    expect(broken.headers.get('location')).toBe(`/console/ideas/${ids.dossierIdea}/dossier?error=packetBroken`);
    expect(await db.dossierPacket.count()).toBe(0);
    await db.dossierDocument.update({ where: { id: document.id }, data: { sha256: createHash('sha256').update(bytes).digest('hex') } });
    const page = (await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text;
    expect(page).toContain(translate('vi', 'console.dossier.history'));
    expect(page).toContain(translate('vi', 'console.dossier.event.submitted'));

    const built = await browse(`/console/ideas/${ids.dossierIdea}/dossier/packet`, { cookie, form: { _csrf: csrfOf(page) } });
    expect(built.status).toBe(303);
    const packet = await db.dossierPacket.findFirstOrThrow({ where: { dossierId: dossier.id } });
    expect(built.headers.get('location')).toBe(`/console/packets/${packet.id}`);
    const download = await fetch(`${base}/console/packets/${packet.id}`, { headers: { cookie } });
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('x-content-sha256')).toBe(packet.sha256);
    const pdf = Buffer.from(await download.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Another commune's official cannot download it.
    expect((await fetch(`${base}/console/packets/${packet.id}`, { headers: { cookie: await signIn('zu-other') } })).status).toBe(404);
    expect((await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text).toContain(`/console/packets/${packet.id}`);
  });

  it('shows a photographed page on the dossier page itself, and a PDF as a link', async () => {
    const dossier = await db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.dossierIdea! } });
    const photo = Buffer.from(makeJpeg({ width: 60, height: 80, seed: 3 }));
    const storageKey = newStorageKey('document', 'jpg', clock.now);
    await storage.put(storageKey, Readable.from([photo]), { contentType: 'image/jpeg', sizeBytes: photo.byteLength });
    const document = await db.dossierDocument.create({ data: { dossierId: dossier.id, itemCode: 'labelPackaging', position: 1, status: 'stored', uploadedBy: 'zu-producer', mediaType: 'image/jpeg', printable: true, sizeBytes: photo.byteLength, sha256: createHash('sha256').update(photo).digest('hex'), storageKey, createdAt: clock.now } });
    const cookie = await signIn('zu-commune');
    const page = (await browse(`/console/ideas/${ids.dossierIdea}/dossier`, { cookie })).text;
    expect(page).toContain(`<img src="/console/documents/${document.id}" alt="${translate('vi', 'console.dossier.view', { n: '1' })}" loading="lazy"`);
    const shown = await fetch(`${base}/console/documents/${document.id}`, { headers: { cookie } });
    expect([shown.status, shown.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect((await fetch(`${base}/console/documents/${document.id}`, { headers: { cookie: await signIn('zu-other') } })).status).toBe(404);
  });
});
