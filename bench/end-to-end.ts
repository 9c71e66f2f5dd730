import { createZaloSim } from '../tools/zalo-sim/zalo-sim.js';
import { createDatabase } from '../src/db/database.js';
import { profileAnswersVi, ideaAnswersVi } from '../test/fixtures/producer-answers.js';
import { benchDatabaseUrl, median, percentile, resetBenchState, simBotEnv, startProcess } from './bench-env.js';

/** What each person writes, in order: a first-time producer from "menu" to the idea's summary. */
const script = ['menu', '1', ...profileAnswersVi, '2', ...ideaAnswersVi];

/**
 * From webhook to the first message of its reply arriving at the stand-in: `rate` messages a second spread
 * over `users` people for `durationS` seconds; the bot runs web + worker in one process of
 * its own, or (`separate`) as a web process and a worker process, as deployed at scale.
 */
export async function benchEndToEnd(options: { rate: number; users: number; durationS: number; rateLimitPerMinute: number; label: string; separate?: boolean }) {
  await resetBenchState();
  const sim = createZaloSim({ appId: 'bench-app', oaSecretKey: 'bench-oa-secret', appSecret: 'bench-app-secret', initialTokens: { accessToken: 'bench-access', refreshToken: 'bench-refresh' }, echoSends: false, postReceipts: false });
  const simServer = await sim.listen();
  const prefix = `bench-e2e-${Date.now()}`;
  const env = simBotEnv(simServer.url, {
    PORT: '0',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'info',
    ZALO_RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute),
    INBOUND_CONCURRENCY: '16',
    OUTBOUND_CONCURRENCY: '16',
  });
  const webUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/;
  // Compiled, as it runs in production (npm run build first).
  const bot = await startProcess(['dist/src/main.js'], { ...env, ROLE: options.separate ? 'web' : 'all' }, webUrl, { compiled: true });
  const worker = options.separate ? await startProcess(['dist/src/main.js'], { ...env, ROLE: 'worker' }, /worker role started/, { compiled: true }) : undefined;
  sim.setWebhookUrl(`${bot.match[1]}/webhooks/zalo`);
  const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: 2 });
  try {
    // Warm-up, not measured: other people, the same rate, for a couple of seconds, until
    // every one is answered (the processes' code paths compiled, pools filled, the token read).
    const warmUp = options.rate * 2;
    await Promise.all(Array.from({ length: warmUp }, (_, i) => sim.userSendText(`${prefix}-warm-${i % options.users}`, script[Math.floor(i / options.users) % script.length]!)));
    await settled(db, warmUp);
    const userIds = Array.from({ length: options.users }, (_, i) => `${prefix}-user-${i}`);
    // Each person walks the product-idea flow as producers do (menu, profile, idea), so a
    // turn answers as a real one does; their k-th text is matched with their k-th event.
    const postedAt = new Map<string, number[]>();
    const total = options.rate * options.durationS;
    const started = performance.now();
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const userId = userIds[i % userIds.length]!;
      const times = postedAt.get(userId) ?? [];
      const text = script[times.length % script.length]!;
      times.push(Date.now());
      postedAt.set(userId, times);
      posts.push(sim.userSendText(userId, text));
    }
    await Promise.all(posts);
    await settled(db, warmUp + total);
    // Each text's latency: from posting it to the first message its turn caused reaching Zalo.
    const arrivedAt = new Map(sim.getSent({ channel: 'cs' }).map((m) => [m.messageId, m.at]));
    const rows = await db.$queryRaw<{ userId: string; eventId: bigint; messageId: string | null }[]>`
      SELECT e.user_id AS "userId", e.id AS "eventId", o.zalo_message_id AS "messageId"
      FROM inbound_event e LEFT JOIN outbound_message o ON o.cause_event_id = e.id AND o.status = 'sent'
      WHERE e.event_name = 'user_send_text' AND e.user_id LIKE ${`${prefix}-user-%`} ORDER BY e.id`;
    const eventsOf = new Map<string, bigint[]>();
    const firstReply = new Map<bigint, number>();
    for (const { userId, eventId, messageId } of rows) {
      const events = eventsOf.get(userId) ?? [];
      if (events.at(-1) !== eventId) events.push(eventId);
      eventsOf.set(userId, events);
      const at = messageId ? arrivedAt.get(messageId) : undefined;
      if (at !== undefined) firstReply.set(eventId, Math.min(at, firstReply.get(eventId) ?? Infinity));
    }
    const latencies = [...postedAt].flatMap(([userId, times]) =>
      times.flatMap((at, k) => {
        const eventId = eventsOf.get(userId)?.[k];
        const reply = eventId === undefined ? undefined : firstReply.get(eventId);
        return reply === undefined ? [] : [reply - at];
      }),
    );
    const [messages] = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM outbound_message WHERE status = 'sent' AND recipient LIKE ${`${prefix}-user-%`}`;
    return { label: options.label, messages: total, replies: latencies.length, sent: Number(messages?.count ?? 0), p50: median(latencies), p99: percentile(latencies, 99) };
  } finally {
    await Promise.all([bot.stop(), worker?.stop()]);
    await simServer.close();
    await db.$disconnect();
  }
}

/** Waits until `events` texts are handled and every reply is sent (a turn may answer in several messages). */
async function settled(db: ReturnType<typeof createDatabase>, events: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [state] = await db.$queryRaw<{ handled: bigint; open: bigint }[]>`
      SELECT (SELECT count(*) FROM inbound_event WHERE status = 'processed') AS handled,
             (SELECT count(*) FROM inbound_event WHERE status = 'pending') + (SELECT count(*) FROM outbound_message WHERE status IN ('pending', 'sending')) AS open`;
    if ((Number(state?.handled) >= events && Number(state?.open) === 0) || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
