import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { testDatabaseUrl, testRedisUrl } from './helpers/test-env.js';

// Tests run against the real Postgres and Redis. If either is missing the run stops
// here with the reason, instead of skipping anything.
export default async function setup(): Promise<void> {
  const redis = new Redis(testRedisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${testRedisUrl}: ${error instanceof Error ? error.message : String(error)}. Start it (see README) and run the tests again.`);
  } finally {
    redis.disconnect();
  }
  try {
    execFileSync('npm', ['run', '--silent', 'migrate:deploy'], { env: { ...process.env, DATABASE_URL: testDatabaseUrl }, stdio: 'pipe' });
  } catch (error) {
    const output = error && typeof error === 'object' && 'stderr' in error ? String((error as { stderr: unknown }).stderr) : '';
    throw new Error(`Could not migrate the test database ${testDatabaseUrl}: ${output || String(error)}`);
  }
}
