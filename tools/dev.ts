import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import { startBot } from '../src/main.js';
import { seedDatabase } from '../prisma/seed.js';
import { createZaloSim } from './zalo-sim/zalo-sim.js';

// `npm run dev`: the bot (web + worker) and the local Zalo stand-in in one process, on a
// migrated development database. Needs no Zalo account; Postgres and Redis must run.

const simPort = Number(process.env.SIM_PORT ?? 3901);
const botPort = Number(process.env.PORT ?? 3000);
const sim = { appId: 'sim-app', oaSecretKey: 'sim-oa-secret', appSecret: 'sim-app-secret', accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' };
const simUrl = `http://127.0.0.1:${simPort}`;

const env: Record<string, string | undefined> = {
  NODE_ENV: 'development',
  ROLE: 'all',
  PORT: String(botPort),
  PUBLIC_BASE_URL: `http://127.0.0.1:${botPort}`,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocop_dev',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'ocop-dev',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  ZALO_OA_API_URL: simUrl,
  ZALO_OAUTH_URL: simUrl,
  ZALO_BUSINESS_API_URL: simUrl,
  ZALO_APP_ID: sim.appId,
  ZALO_APP_SECRET: sim.appSecret,
  ZALO_OA_SECRET_KEY: sim.oaSecretKey,
  ZALO_ACCESS_TOKEN: sim.accessToken,
  ZALO_REFRESH_TOKEN: sim.refreshToken,
};

console.log(`Migrating ${env.DATABASE_URL} …`);
execFileSync('npm', ['run', '--silent', 'migrate:deploy'], { env: { ...process.env, DATABASE_URL: env.DATABASE_URL }, stdio: 'inherit' });

// The stand-in keeps tokens in memory and starts from the seed pair each time, while
// the dev database keeps the pair of the last run: forget it so the seed applies again.
const config = loadConfig(env);
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 1 });
await db.zaloToken.deleteMany();
// Demo users and the sample of real communes, so the flows can be tried at once.
await seedDatabase(db);
await db.$disconnect();

const stub = createZaloSim({
  appId: sim.appId,
  oaSecretKey: sim.oaSecretKey,
  appSecret: sim.appSecret,
  webhookUrl: `http://127.0.0.1:${botPort}/webhooks/zalo`,
  initialTokens: { accessToken: sim.accessToken, refreshToken: sim.refreshToken },
});
const simServer = await stub.listen(simPort);
const bot = await startBot(config);

console.log(`\n  Chat page (you are the Zalo user): ${simServer.url}\n  Bot webhook: ${bot.url}/webhooks/zalo   health: ${bot.url}/readyz\n  Ctrl+C to stop.\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void bot
      .close()
      .then(() => simServer.close())
      .then(() => process.exit(0));
  });
}
