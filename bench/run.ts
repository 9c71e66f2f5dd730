import { execFileSync } from 'node:child_process';
import { benchDatabaseUrl } from './bench-env.js';
import { benchConversationTurns } from './conversation-turns.js';
import { benchDistribution } from './distribution.js';
import { reportPacketAssembly } from './packet-assembly.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchScoring } from './scoring.js';
import { benchWebhookAck } from './webhook-ack.js';

// `npm run bench`: figures printed for the issue notes; never part of the test pass/fail.
const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
// BENCH_ONLY=turns, packet, distribution, ack, e2e or scoring runs one benchmark (all of them take a few minutes).
const only = process.env.BENCH_ONLY;
const ms = (n: number) => `${n.toFixed(1)} ms`;
execFileSync('npm', ['run', '--silent', 'migrate:deploy'], { env: { ...process.env, DATABASE_URL: benchDatabaseUrl }, stdio: 'inherit' });
if (only === 'e2e') {
  await reportEndToEnd();
  process.exit(0);
}
if (only === 'scoring') {
  await reportScoring();
  process.exit(0);
}

async function reportScoring(): Promise<void> {
  const figures = await benchScoring({ members: 11, products: 10, durationS, everyMs: 3000 });
  const line = (f: { count: number; p50Ms: number; p99Ms: number }) => `${f.count} requests, server p50 ${ms(f.p50Ms)}, p99 ${ms(f.p99Ms)}`;
  console.log(`\nScoring on the phones: ${figures.members} members, ${figures.products} products, the web role in its own process (server time from Server-Timing)`);
  console.log(`  drafts saved as members tap (one every ~3 s each): ${line(figures.paced.draft)}`);
  console.log(`  sheet pages opened: ${line(figures.paced.sheet)}`);
  console.log(`  the secretary's live board (every 5 s): ${line(figures.paced.board)}`);
  console.log(`  the same members saving without pause: ${figures.flat.perSecond.toFixed(0)} drafts/s, ${line(figures.flat)}`);
  console.log(`  ${figures.sheets} sheets written`);
}

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
  console.log(`  packets built ahead by the sweep in ${(figures.packedAheadMs / 1000).toFixed(1)} s (before the lock)`);
  console.log(`  ${figures.messages}/${figures.expected} messages; the lock answered in ${(figures.lockedMs / 1000).toFixed(1)} s (packets found built, messages written); all delivered after ${(figures.deliveredMs / 1000).toFixed(1)} s`);
  // Every upload is a request Zalo counts against the same limit as the messages.
  const perSecond = 3000 / 60;
  const boundS = (figures.messages + figures.uploads) / perSecond;
  console.log(`  ${figures.uploads} file uploads; rate-limit bound ${boundS.toFixed(1)} s for ${figures.messages + figures.uploads} requests: ${(figures.deliveredMs / 1000 / boundS).toFixed(2)}× the bound (${((figures.deliveredMs - figures.lockedMs) / 1000 / boundS).toFixed(2)}× from the end of the lock)`);
  console.log(`  bot process peak RSS ${mb(figures.peakRssBytes)} (at start ${mb(figures.baselineRssBytes)})`);
}

if (only === 'ack') {
  await reportWebhookAck();
  process.exit(0);
}

const turns = await benchConversationTurns({ producers: 60, pureRounds: 200, lanes: 8 });
console.log('\nConversation turns, product-idea flow from "menu" to its summary, in process');
console.log(`  router + engine alone (pure): ${turns.pureTurnsPerSecond.toFixed(0)} turns/s (median ${turns.pureTurnMicros.toFixed(1)} µs a turn)`);
console.log(`  whole turns as the worker runs them (Postgres lock, session, facts, effects, outbox): ${turns.fullTurns} turns, ${turns.fullTurnsPerSecond.toFixed(0)} turns/s, p50 ${ms(turns.fullP50Ms)}, p99 ${ms(turns.fullP99Ms)}`);
console.log(`  the same turns ${turns.concurrent.lanes} at a time (the inbound worker's default concurrency): ${turns.concurrent.turnsPerSecond.toFixed(0)} turns/s, p50 ${ms(turns.concurrent.p50Ms)}, p99 ${ms(turns.concurrent.p99Ms)}`);
for (const size of turns.sessionBytes) console.log(`  stored bytes per active session (${size.step}): median ${size.median}, max ${size.max}`);
if (only === 'turns') process.exit(0);
await reportPacketAssembly();
await reportDistribution();
await reportScoring();

await reportWebhookAck();

async function reportWebhookAck() {
  // The bot is measured compiled, as it runs in production.
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const figures = await benchWebhookAck({ durationS });
  console.log('\nWebhook acknowledgement (loopback, 20 connections, each request a fresh signed event; bot compiled)');
  console.log(`  bare Express (parse JSON, 200): ${figures.bareMax.rps.toFixed(0)} req/s, p50 ${ms(figures.bareMax.p50)}, p99 ${ms(figures.bareMax.p99)}`);
  console.log(`  durable floor (signature + one INSERT … ON CONFLICT through pg): ${figures.floorMax.rps.toFixed(0)} req/s, p50 ${ms(figures.floorMax.p50)}, p99 ${ms(figures.floorMax.p99)}`);
  console.log(`  bot webhook (verify, record, enqueue): ${figures.botMax.rps.toFixed(0)} req/s, p50 ${ms(figures.botMax.p50)}, p99 ${ms(figures.botMax.p99)}, non-2xx ${figures.botMax.non2xx}, errors ${figures.botMax.errors}`);
  console.log(`  throughput ratio bot/floor: ${figures.ratioToFloor.toFixed(2)} (target ≥ 0.8); bot/bare: ${figures.ratioToBare.toFixed(2)}`);
  console.log(`  at 300 req/s: floor p99 ${ms(figures.floorAt300.p99)}; bot p50 ${ms(figures.botAt300.p50)}, p99 ${ms(figures.botAt300.p99)} (target ≤ 1.5× the floor's: ${(figures.botAt300.p99 / figures.floorAt300.p99).toFixed(2)}×), non-2xx ${figures.botAt300.non2xx}`);
  return figures;
}

await reportEndToEnd();

async function reportEndToEnd(): Promise<void> {
  // The bot is measured compiled, as it runs in production, after a warm-up it is not measured on.
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  console.log('\nEnd to end: webhook → reply at the Zalo stand-in (bot compiled, after a 2 s warm-up)');
  for (const scenario of [
    { label: '100 msg/s from 100 users, 10 s, Zalo limit 4000/min', rate: 100, users: 100, durationS: 10, rateLimitPerMinute: 4000 },
    { label: '50 msg/s from 100 users, 10 s, Zalo limit 4000/min', rate: 50, users: 100, durationS: 10, rateLimitPerMinute: 4000 },
    { label: '50 msg/s from 100 users, 10 s, Zalo limit 4000/min, web and worker as separate processes (target p99 < 250 ms)', rate: 50, users: 100, durationS: 10, rateLimitPerMinute: 4000, separate: true },
  ]) {
    const e2e = await benchEndToEnd(scenario);
    console.log(`  ${e2e.label}: ${e2e.replies}/${e2e.messages} texts answered (${e2e.sent} messages sent), first reply p50 ${ms(e2e.p50)}, p99 ${ms(e2e.p99)}`);
  }
}
