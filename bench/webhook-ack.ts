import autocannon from 'autocannon';
import { randomInt } from 'node:crypto';
import { computeZaloSignature, formatZaloSignatureHeader } from '../src/zalo/signature.js';
import { benchAppId, benchSecret, botEnv, resetBenchState, startProcess } from './bench-env.js';

let counter = 0;

/** A fresh, correctly signed user_send_text for every request, as Zalo would send. */
function signedRequest() {
  counter += 1;
  const timestamp = String(Date.now());
  const body = JSON.stringify({
    app_id: benchAppId,
    user_id_by_app: `byapp-${counter % 1000}`,
    event_name: 'user_send_text',
    timestamp,
    sender: { id: `bench-user-${counter % 1000}` },
    recipient: { id: 'bench-oa' },
    message: { msg_id: `${timestamp}${String(counter).padStart(8, '0')}${randomInt(100, 999)}`, text: 'Xin chào, tôi muốn đăng ký sản phẩm' },
  });
  return {
    method: 'POST' as const,
    path: '/webhooks/zalo',
    headers: { 'content-type': 'application/json', 'x-zevent-signature': formatZaloSignatureHeader(computeZaloSignature({ appId: benchAppId, rawBody: body, timestamp, secret: benchSecret })) },
    body,
  };
}

async function load(url: string, options: { durationS: number; connections: number; rate?: number }) {
  const result = await autocannon({
    url,
    duration: options.durationS,
    connections: options.connections,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [{ setupRequest: () => signedRequest() }],
  });
  const ok = result['2xx'];
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/**
 * Webhook acknowledgement on loopback, side by side with a bare Express handler that only
 * parses JSON and with the durable floor (signature + one INSERT … ON CONFLICT through pg):
 * throughput ratios, and p99 at a fixed 300 requests/s. The bot runs compiled (dist/), as
 * in production.
 */
export async function benchWebhookAck(options: { durationS: number }) {
  await resetBenchState();
  const bare = await startProcess(['bench/bare-server.ts'], { ...(process.env as Record<string, string>), PORT: '0' }, /listening (\d+)/);
  const floor = await startProcess(['bench/durable-floor-server.ts'], botEnv({ PORT: '0' }), /listening (\d+)/);
  const bot = await startProcess(['dist/src/main.js'], botEnv({ ROLE: 'web', PORT: '0', QUEUE_PREFIX: 'bench-ack', LOG_LEVEL: 'info' }), /"url":"(http:\/\/127\.0\.0\.1:\d+)"/, { compiled: true });
  const bareUrl = `http://127.0.0.1:${bare.match[1]}`;
  const floorUrl = `http://127.0.0.1:${floor.match[1]}`;
  const botUrl = bot.match[1]!;
  try {
    // Warm all up, then measure each the same way, one after the other.
    for (const url of [bareUrl, floorUrl, botUrl]) await load(url, { durationS: 2, connections: 10 });
    const bareMax = await load(bareUrl, { durationS: options.durationS, connections: 20 });
    const floorMax = await load(floorUrl, { durationS: options.durationS, connections: 20 });
    const botMax = await load(botUrl, { durationS: options.durationS, connections: 20 });
    const floorAt300 = await load(floorUrl, { durationS: options.durationS, connections: 20, rate: 300 });
    const botAt300 = await load(botUrl, { durationS: options.durationS, connections: 20, rate: 300 });
    return { bareMax, floorMax, botMax, ratioToBare: botMax.rps / bareMax.rps, ratioToFloor: botMax.rps / floorMax.rps, floorAt300, botAt300 };
  } finally {
    await Promise.all([bare.stop(), floor.stop(), bot.stop()]);
    await resetBenchState();
  }
}
