import { createDatabase } from '../../src/db/database.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { createZaloSim, type ZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from './test-env.js';

export const simCredentials = { appId: 'test-app', oaSecretKey: 'test-oa-secret', appSecret: 'test-app-secret' } as const;

/** Settings that point the bot at a running stand-in. */
export function configForSim(simUrl: string, overrides: Record<string, string> = {}) {
  return {
    ZALO_OA_API_URL: simUrl,
    ZALO_OAUTH_URL: simUrl,
    ZALO_BUSINESS_API_URL: simUrl,
    ZALO_APP_ID: simCredentials.appId,
    ZALO_APP_SECRET: simCredentials.appSecret,
    ZALO_OA_SECRET_KEY: simCredentials.oaSecretKey,
    ZALO_ACCESS_TOKEN: 'sim-access-0',
    ZALO_REFRESH_TOKEN: 'sim-refresh-0',
    OUTBOUND_BACKOFF_MS: '50',
    SWEEP_MIN_AGE_MS: '2000',
    SWEEP_INTERVAL_MS: '1000',
    ...overrides,
  };
}

/** The whole bot (web + worker) talking to the local Zalo stand-in, on a clean database. */
export async function startBotWithSim(overrides: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<{
  sim: ZaloSim;
  simServer: ZaloSimServer;
  bot: RunningBot;
  db: ReturnType<typeof createDatabase>;
  config: ReturnType<typeof testConfig>;
  stop(): Promise<void>;
}> {
  // Zalo and the bot share one clock, as they share real time in production: events the
  // stand-in stamps are as old to the bot as they are to it.
  const now = options.now;
  const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' }, ...(now ? { clock: { now: () => now().getTime() } } : {}) });
  const simServer = await sim.listen();
  const config = testConfig(configForSim(simServer.url, overrides));
  const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  const bot = await startBot(config, options);
  sim.setWebhookUrl(`${bot.url}/webhooks/zalo`);
  return {
    sim,
    simServer,
    bot,
    db,
    config,
    async stop() {
      await bot.close();
      await simServer.close();
      await db.$disconnect();
    },
  };
}
