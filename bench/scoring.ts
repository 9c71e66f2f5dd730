import { join } from 'node:path';
import { vietnamDateOf } from '../src/calendar/calendar-date.js';
import { defaultConsoleAuth, issueSignInLink } from '../src/console/console-auth.js';
import { createDatabase } from '../src/db/database.js';
import { signLink } from '../src/dossier/signed-links.js';
import { seedAdministrativeUnits } from '../prisma/seed.js';
import { makeIdea, makeOfficial, makeProducer } from '../test/helpers/notify-fixtures.js';
import { benchDatabaseUrl, botEnv, percentile, resetBenchState, startProcess } from './bench-env.js';

/** The sample sheet's criteria and their options (rules/scoring-sheets-sample). */
const criteria: Record<string, number[]> = { A1: [0, 4, 6, 10], A2: [0, 5, 10], A3: [0, 5, 10], A4: [0, 5, 10], B1: [0, 5], B2: [0, 5, 10], B3: [0, 5, 10], C1: [0, 5, 10, 15], C2: [0, 5, 10], C3: [0, 5, 10] };
const linkSecret = 'bench-link-secret-of-at-least-32-characters';

/** The server's own time for a response (its Server-Timing header), in ms. */
function serverMs(response: Response): number {
  const match = /app;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
  if (!match?.[1]) throw new Error(`no Server-Timing on ${response.url} (${response.status})`);
  return Number(match[1]);
}

/**
 * A meeting scored on the phones: `members` members of one council each save a draft of a
 * random product's sheet every `everyMs` (one choice changed, as a tap does) and now and
 * then reload the sheet, while the secretary's board asks for itself every 5 s; the web
 * role in its own process. Then the same members with no pause, for the throughput.
 * Figures are the server's own times (Server-Timing), per kind of request.
 */
export async function benchScoring(options: { members: number; products: number; durationS: number; everyMs: number }) {
  await resetBenchState();
  const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: 2 });
  await db.$executeRawUnsafe('TRUNCATE official_action, console_session, console_sign_in RESTART IDENTITY CASCADE');
  await seedAdministrativeUnits(db);
  await makeOfficial(db, 'province', 'bench-official');
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'bench' } });
  const people: bigint[] = [];
  for (let i = 0; i < options.members; i += 1) {
    const person = await db.councilPerson.create({ data: { name: `Thành viên ${i + 1}`, provinceCode: '75' } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role: i === 0 ? 'chair' : 'member' } });
    people.push(person.id);
  }
  const ideas: bigint[] = [];
  for (let i = 0; i < options.products; i += 1) {
    const producer = await makeProducer(db, `bench-producer-${i}`);
    ideas.push((await makeIdea(db, producer.id, new Date(Date.now() - 60 * 86_400_000), { dossier: 'checked', businessPlan: true })).id);
  }
  // Today in Vietnam is the meeting day (a bench reads the real clock), scoring open.
  const today = vietnamDateOf(new Date());
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: today, time: '08:00', place: 'Hội trường', status: 'locked', leadWorkingDays: 1, deliveryDeadline: new Date(Date.now() - 86_400_000), distributedAt: new Date(Date.now() - 2 * 86_400_000), scoringOpenedAt: new Date(), createdBy: 'bench' } });
  await db.meetingProduct.createMany({ data: ideas.map((id) => ({ meetingId: meeting.id, productIdeaId: id })) });
  const signIn = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: 'bench-official', now: new Date(), settings: defaultConsoleAuth }));
  if (signIn.kind !== 'link') throw new Error('no sign-in link for the bench official');

  // The sample sheet is refused in production; the web role runs as in development here.
  const bot = await startProcess(
    ['src/main.ts'],
    botEnv({ NODE_ENV: 'development', ROLE: 'web', PORT: '0', QUEUE_PREFIX: 'bench-scoring', LOG_LEVEL: 'info', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', SCORING_SHEETS_DIR: join('rules', 'scoring-sheets-sample') }),
    /"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
  );
  const base = bot.match[1]!;
  const signedIn = await fetch(`${base}/console/sign-in/${signIn.token}`, { redirect: 'manual' });
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  const links = people.map((id) => `${base}/console/scoring/${signLink({ kind: 'scoring', id: String(meeting.id), to: `person:${id}`, exp }, linkSecret)}`);

  const times: Record<'draft' | 'sheet' | 'board', number[]> = { draft: [], sheet: [], board: [] };
  const answers = people.map(() => ideas.map(() => ({}) as Record<string, number>));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

  async function member(i: number, until: number, pauseMs: number): Promise<void> {
    let round = 0;
    while (Date.now() < until) {
      const product = Math.floor(Math.random() * ideas.length);
      const code = pick(Object.keys(criteria));
      const mine = answers[i]![product]!;
      mine[code] = pick(criteria[code]!);
      const body = new URLSearchParams(Object.entries(mine).map(([c, v]): [string, string] => [`c_${c}`, String(v)]));
      body.set('action', 'draft');
      const saved = await fetch(`${links[i]}/products/${String(ideas[product])}?autosave=1`, { method: 'POST', body });
      if (saved.status !== 200) throw new Error(`draft answered ${saved.status}: ${await saved.text()}`);
      times.draft.push(serverMs(saved));
      await saved.arrayBuffer();
      round += 1;
      if (round % 5 === 0) {
        const page = await fetch(`${links[i]}/products/${String(ideas[product])}`);
        times.sheet.push(serverMs(page));
        await page.arrayBuffer();
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random())));
    }
  }

  async function secretary(until: number): Promise<void> {
    while (Date.now() < until) {
      const board = await fetch(`${base}/console/meetings/${String(meeting.id)}/scoring/board`, { headers: { cookie } });
      if (board.status !== 200) throw new Error(`board answered ${board.status}`);
      times.board.push(serverMs(board));
      await board.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }

  const summary = (values: number[]) => ({ count: values.length, p50Ms: percentile(values, 50), p99Ms: percentile(values, 99) });
  try {
    // Warm-up (the first requests compile code paths and fill pools): not counted.
    const warm = Date.now() + 3000;
    await Promise.all(people.map((_, i) => member(i, warm, 0)));
    times.draft = [];
    times.sheet = [];
    const paced = Date.now() + options.durationS * 1000;
    await Promise.all([...people.map((_, i) => member(i, paced, options.everyMs)), secretary(paced)]);
    const pacedFigures = { draft: summary(times.draft), sheet: summary(times.sheet), board: summary(times.board) };
    times.draft = [];
    times.sheet = [];
    const started = Date.now();
    const flat = started + Math.min(options.durationS, 10) * 1000;
    await Promise.all(people.map((_, i) => member(i, flat, 0)));
    const flatFigures = { ...summary(times.draft), perSecond: times.draft.length / ((Date.now() - started) / 1000) };
    const sheets = await db.scoreSheet.count({ where: { meetingId: meeting.id } });
    return { members: options.members, products: options.products, paced: pacedFigures, flat: flatFigures, sheets };
  } finally {
    await bot.stop();
    await db.$disconnect();
  }
}
