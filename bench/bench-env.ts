import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createDatabase } from '../src/db/database.js';

export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocop_bench';
export const benchRedisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const benchAppId = 'bench-app';
export const benchSecret = 'bench-oa-secret';
export const benchStorageDir = join(tmpdir(), 'ocop-bench-documents');

export function botEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bench.invalid',
    DATABASE_URL: benchDatabaseUrl,
    REDIS_URL: benchRedisUrl,
    ZALO_APP_ID: benchAppId,
    ZALO_APP_SECRET: 'bench-app-secret',
    ZALO_OA_SECRET_KEY: benchSecret,
    LINK_SIGNING_SECRET: 'bench-link-secret-of-at-least-32-characters',
    STORAGE_LOCAL_DIR: benchStorageDir,
    // The stand-in serves attachments from loopback, not from Zalo's hosts.
    DOCUMENT_ALLOWED_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** The bot's settings to talk to a local Zalo stand-in at `simUrl` (its bench credentials). */
export function simBotEnv(simUrl: string, extra: Record<string, string>): Record<string, string> {
  return botEnv({
    ZALO_OA_API_URL: simUrl,
    ZALO_OAUTH_URL: simUrl,
    ZALO_BUSINESS_API_URL: simUrl,
    ZALO_APP_SECRET: 'bench-app-secret',
    ZALO_ACCESS_TOKEN: 'bench-access',
    ZALO_REFRESH_TOKEN: 'bench-refresh',
    ...extra,
  });
}

/** Starts a server in its own process (so the load generator does not share its event loop). */
export async function startProcess(args: string[], env: Record<string, string>, readyPattern: RegExp, options: { compiled?: boolean } = {}): Promise<{ child: ChildProcess; match: RegExpMatchArray; stop(): Promise<void> }> {
  // Compiled JavaScript (npm run build) runs on plain node; sources through tsx.
  const child = spawn(process.execPath, [...(options.compiled ? [] : ['--import', 'tsx']), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // BENCH_LOG=path keeps the servers' own logs for a closer look.
  if (process.env.BENCH_LOG) {
    const log = createWriteStream(process.env.BENCH_LOG, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const found = output.match(readyPattern);
      if (found) resolve(found);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${output.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${output.slice(-2000)}`)), 60_000).unref();
  });
  return {
    child,
    match,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Each scenario starts from empty tables and no leftover queue keys of earlier runs. */
export async function resetBenchState(): Promise<void> {
  const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: 1 });
  await db.$executeRawUnsafe('TRUNCATE inbound_event, outbound_message, zalo_token, zalo_user, conversation_session, product_idea, producer, receipt_counter, official, api_token, administrative_unit, dossier, dossier_document, dossier_item_return, dossier_event, dossier_packet, packet_access, council, council_person, council_member, meeting, meeting_product, delivery, notification, notification_event, campaign_deadline, certified_product, evaluation_result, score_sheet RESTART IDENTITY CASCADE');
  await db.$disconnect();
  const redis = new Redis(benchRedisUrl);
  for await (const keys of redis.scanStream({ match: 'bench-*', count: 1000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
}
