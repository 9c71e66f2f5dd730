import { createZaloSim } from '../tools/zalo-sim/zalo-sim.js';
import { median, percentile, resetBenchState, simBotEnv, startProcess } from './bench-env.js';

/**
 * From webhook to the reply arriving at the stand-in: `rate` messages a second spread
 * over `users` people for `durationS` seconds; the bot runs web + worker in its own process.
 */
export async function benchEndToEnd(options: { rate: number; users: number; durationS: number; rateLimitPerMinute: number; label: string }) {
  await resetBenchState();
  const sim = createZaloSim({ appId: 'bench-app', oaSecretKey: 'bench-oa-secret', appSecret: 'bench-app-secret', initialTokens: { accessToken: 'bench-access', refreshToken: 'bench-refresh' }, echoSends: false, postReceipts: false });
  const simServer = await sim.listen();
  const prefix = `bench-e2e-${Date.now()}`;
  const bot = await startProcess(
    ['src/main.ts'],
    simBotEnv(simServer.url, {
      ROLE: 'all',
      PORT: '0',
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      ZALO_RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute),
      INBOUND_CONCURRENCY: '16',
      OUTBOUND_CONCURRENCY: '16',
    }),
    /"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
  );
  sim.setWebhookUrl(`${bot.match[1]}/webhooks/zalo`);
  try {
    const userIds = Array.from({ length: options.users }, (_, i) => `${prefix}-user-${i}`);
    const sentAt = new Map<string, number[]>();
    const total = options.rate * options.durationS;
    const started = performance.now();
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const userId = userIds[i % userIds.length]!;
      const list = sentAt.get(userId) ?? [];
      list.push(Date.now());
      sentAt.set(userId, list);
      posts.push(sim.userSendText(userId, `tin ${i}`));
    }
    await Promise.all(posts);
    const deadline = Date.now() + 120_000;
    while (sim.getSent({ channel: 'cs' }).length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies: number[] = [];
    for (const userId of userIds) {
      const replies = sim.getSent({ userId, channel: 'cs' });
      (sentAt.get(userId) ?? []).forEach((t, k) => {
        const reply = replies[k];
        if (reply) latencies.push(reply.at - t);
      });
    }
    return { label: options.label, messages: total, replies: latencies.length, p50: median(latencies), p99: percentile(latencies, 99) };
  } finally {
    await bot.stop();
    await simServer.close();
  }
}
