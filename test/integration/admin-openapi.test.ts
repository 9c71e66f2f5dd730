import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { adminOperations } from '../../src/http/admin-api.js';
import { buildAdminOpenApi } from '../../src/http/admin-openapi.js';
import { createLogger } from '../../src/observability/logger.js';
import { testNotifyTiming } from '../helpers/admin-app.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { startAdminApp } from '../helpers/admin-app.js';
import { resetDatabase, testConfig } from '../helpers/test-env.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 2 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const now = () => new Date('2026-03-02T08:00:00.000Z');
let app: { base: string; close: () => Promise<void> };
let token: string;

beforeAll(async () => {
  await resetDatabase(db);
  await db.administrativeUnit.create({ data: { communeCode: '26170', communeName: 'Xã Tân Phú', provinceCode: '75', provinceName: 'Tỉnh Đồng Nai' } });
  token = (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26170' })).token;
  app = await startAdminApp({ db, redis, now, admin: { translate: () => '', now, invitationTtlHours: 72, enqueueOutbound: async () => undefined } });
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
  await db.$disconnect();
});

describe('GET /admin/v1/openapi.json', () => {
  it('answers 401 without a token, like every admin route', async () => {
    const response = await fetch(`${app.base}/admin/v1/openapi.json`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('serves the description to any valid token', async () => {
    const response = await fetch(`${app.base}/admin/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const operations = adminOperations({ db, logger: createLogger({ level: 'silent' }), now, translate: () => '', invitationTtlHours: 72, notifyTiming: testNotifyTiming(), enqueueOutbound: async () => undefined });
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(buildAdminOpenApi(operations))));
  });
});
