import { z } from 'zod';
import { createZaloSim } from './zalo-sim.js';

// "true"/"false" literally: z.coerce.boolean() would read "false" as true.
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const envSchema = z.object({
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(3901),
  SIM_HOST: z.string().default('127.0.0.1'),
  SIM_WEBHOOK_URL: z.string().url().default('http://127.0.0.1:3000/webhooks/zalo'),
  SIM_APP_ID: z.string().min(1).default('sim-app'),
  SIM_OA_ID: z.string().min(1).optional(),
  SIM_OA_SECRET_KEY: z.string().min(1).default('sim-oa-secret'),
  SIM_APP_SECRET: z.string().min(1).default('sim-app-secret'),
  SIM_ACCESS_TOKEN: z.string().min(1).default('sim-access-0'),
  SIM_REFRESH_TOKEN: z.string().min(1).default('sim-refresh-0'),
  SIM_ACCESS_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().positive().default(90_000),
  SIM_ECHO_SENDS: flag.default(true),
  SIM_POST_RECEIPTS: flag.default(true),
  SIM_PUBLIC_URL: z.string().url().optional(),
});

const parsed = envSchema.safeParse(process.env);
if (!parsed.success) {
  console.error(`zalo-sim: bad environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(1);
}
const env = parsed.data;

const sim = createZaloSim({
  appId: env.SIM_APP_ID,
  ...(env.SIM_OA_ID !== undefined ? { oaId: env.SIM_OA_ID } : {}),
  oaSecretKey: env.SIM_OA_SECRET_KEY,
  appSecret: env.SIM_APP_SECRET,
  webhookUrl: env.SIM_WEBHOOK_URL,
  initialTokens: { accessToken: env.SIM_ACCESS_TOKEN, refreshToken: env.SIM_REFRESH_TOKEN },
  accessTokenLifetimeSeconds: env.SIM_ACCESS_TOKEN_LIFETIME_SECONDS,
  echoSends: env.SIM_ECHO_SENDS,
  postReceipts: env.SIM_POST_RECEIPTS,
  ...(env.SIM_PUBLIC_URL !== undefined ? { publicUrl: env.SIM_PUBLIC_URL } : {}),
});

const server = await sim.listen(env.SIM_PORT, env.SIM_HOST);
console.log(`zalo-sim ${server.url} (webhooks to ${env.SIM_WEBHOOK_URL})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
