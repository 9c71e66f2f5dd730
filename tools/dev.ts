import { execFileSync } from 'node:child_process';
import { resolveDatabaseUrl } from '../prisma/cli/database-url.js';
import { loadConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import { startBot } from '../src/main.js';
import { seedDatabase } from '../prisma/seed.js';
import { DEMO_COMMUNE, DEMO_PROVINCE, seedDemoOfficials } from './dev-demo-officials.js';
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
  // The same default as every operator script (admin:token, units:import …).
  DATABASE_URL: resolveDatabaseUrl(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'ocop-dev',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  ZALO_OA_API_URL: simUrl,
  ZALO_OAUTH_URL: simUrl,
  ZALO_BUSINESS_API_URL: simUrl,
  // Invitation QR codes open the stand-in's chat page, where a phone "is" Zalo here.
  ZALO_OA_CHAT_URL: simUrl,
  // The law's sheets are typed in from the decision (rules/scoring-sheets/README.md); here a
  // made-up sheet lets members try scoring on their phones.
  SCORING_SHEETS_DIR: process.env.SCORING_SHEETS_DIR ?? 'rules/scoring-sheets-sample',
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
// Demo users and the sample of real communes, so the flows can be tried at once, and two
// of the chat page's users as officials, so the officials' side can be tried too.
await seedDatabase(db);
const demo = await seedDemoOfficials(db, new Date());
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

console.log(
  [
    '',
    `  Chat page (you are the Zalo user): ${simServer.url}`,
    `    sim-user-producer  a producer: type "menu"; register in ${DEMO_COMMUNE.name} (search "tân phú") to reach the demo officials`,
    ...demo.officials.map((o) => `    ${o.zaloUserId.padEnd(18)} ${o.name}, ${o.role === 'commune' ? `commune official of ${DEMO_COMMUNE.name}` : `province official and administrator of ${DEMO_PROVINCE.name}`}: receives the notices`),
    `  Officials' console: sign in as a demo official (links work once, for 10 minutes; for a new one, write "đăng nhập" in the chat page as that user)`,
    ...demo.officials.map((o) => `    ${o.name.padEnd(26)} ${o.signInToken ? `${bot.url}/console/sign-in/${o.signInToken}` : 'too many links just now: write "đăng nhập" in the chat page'}`),
    `  Admin API (province ${DEMO_PROVINCE.code}, ${DEMO_PROVINCE.name}): ${bot.url}/admin/v1   token (new each start): ${demo.token}`,
    `    e.g. curl -H "Authorization: Bearer ${demo.token}" ${bot.url}/admin/v1/ideas`,
    `  Bot webhook: ${bot.url}/webhooks/zalo   health: ${bot.url}/readyz`,
    `  Database: ${env.DATABASE_URL} (scripts such as "npm run admin:token" use it too)`,
    '  Ctrl+C to stop.',
    '',
  ].join('\n'),
);

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
