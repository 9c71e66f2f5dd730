import { execFileSync } from 'node:child_process';
import { benchDatabaseUrl } from './bench-env.js';
import { benchConversationTurns } from './conversation-turns.js';
import { benchDistribution } from './distribution.js';
import { reportPacketAssembly } from './packet-assembly.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchWebhookAck } from './webhook-ack.js';

// `npm run bench`: figures printed for the issue notes; never part of the test pass/fail.
const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
// BENCH_ONLY=turns, packet or distribution runs one benchmark (all of them take a few minutes).
const only = process.env.BENCH_ONLY;
execFileSync('npm', ['run', '--silent', 'migrate:deploy'], { env: { ...process.env, DATABASE_URL: benchDatabaseUrl }, stdio: 'inherit' });
if (only === 'packet') {
  await reportPacketAssembly();
  process.exit(0);
}
if (only === 'distribution') {
  await reportDistribution();
  process.exit(0);
}

async function reportDistribution(): Promise<void> {
  const figures = await benchDistribution({ products: 50, rateLimitPerMinute: 3000 });
  const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(0)} MB`;
  console.log(`\nDistribution of ${figures.products} products to ${figures.people} council people through the stand-in (Zalo limit 3000/min)`);
  console.log(`  ${figures.messages}/${figures.expected} messages; packets built and messages written in ${(figures.lockedMs / 1000).toFixed(1)} s; all delivered after ${(figures.deliveredMs / 1000).toFixed(1)} s`);
  console.log(`  bot process peak RSS ${mb(figures.peakRssBytes)} (at start ${mb(figures.baselineRssBytes)})`);
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

const turns = await benchConversationTurns({ producers: 60, pureRounds: 200 });
console.log('\nConversation turns, product-idea flow from "menu" to its summary, in process');
console.log(`  router + engine alone (pure): ${turns.pureTurnsPerSecond.toFixed(0)} turns/s (median ${turns.pureTurnMicros.toFixed(1)} µs a turn)`);
console.log(`  whole turns as the worker runs them (Postgres lock, session, facts, effects, outbox): ${turns.fullTurns} turns, ${turns.fullTurnsPerSecond.toFixed(0)} turns/s, p50 ${ms(turns.fullP50Ms)}, p99 ${ms(turns.fullP99Ms)}`);
for (const size of turns.sessionBytes) console.log(`  stored bytes per active session (${size.step}): median ${size.median}, max ${size.max}`);
if (only === 'turns') process.exit(0);
await reportPacketAssembly();
await reportDistribution();

const ack = await benchWebhookAck({ durationS });
console.log('\nWebhook acknowledgement (loopback, 20 connections, each request a fresh signed event)');
console.log(`  bare Express (parse JSON, 200): ${ack.bareMax.rps.toFixed(0)} req/s, p50 ${ms(ack.bareMax.p50)}, p99 ${ms(ack.bareMax.p99)}`);
console.log(`  bot webhook (verify, record, enqueue): ${ack.botMax.rps.toFixed(0)} req/s, p50 ${ms(ack.botMax.p50)}, p99 ${ms(ack.botMax.p99)}, non-2xx ${ack.botMax.non2xx}, errors ${ack.botMax.errors}`);
console.log(`  throughput ratio bot/bare: ${ack.ratio.toFixed(2)} (target ≥ 0.5)`);
console.log(`  at 500 req/s: bare p99 ${ms(ack.bareAt500.p99)}; bot p50 ${ms(ack.botAt500.p50)}, p99 ${ms(ack.botAt500.p99)} (target < 25 ms), non-2xx ${ack.botAt500.non2xx}`);

console.log('\nEnd to end: webhook → reply at the Zalo stand-in (bot web + worker in one process)');
for (const scenario of [
  { label: '100 msg/s from 100 users, 10 s, Zalo limit 4000/min', rate: 100, users: 100, durationS: 10, rateLimitPerMinute: 4000 },
  { label: '50 msg/s from 100 users, 10 s, Zalo limit 4000/min', rate: 50, users: 100, durationS: 10, rateLimitPerMinute: 4000 },
]) {
  const e2e = await benchEndToEnd(scenario);
  console.log(`  ${e2e.label}: ${e2e.replies}/${e2e.messages} replies, p50 ${ms(e2e.p50)}, p99 ${ms(e2e.p99)}`);
}
