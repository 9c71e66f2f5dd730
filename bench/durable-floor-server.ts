import express from 'express';
import pg from 'pg';
import { verifyZaloSignature } from '../src/zalo/signature.js';

// The least any durable acknowledgement costs: check the signature, one
// INSERT … ON CONFLICT through pg, answer 200. The bot's webhook is measured against it.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query('CREATE TABLE IF NOT EXISTS bench_floor_event (event_key text PRIMARY KEY, payload jsonb NOT NULL)');
await pool.query('TRUNCATE bench_floor_event');
const appId = process.env.ZALO_APP_ID ?? '';
const secret = process.env.ZALO_OA_SECRET_KEY ?? '';

const app = express();
app.post('/webhooks/zalo', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const event = JSON.parse(raw.toString('utf8')) as { timestamp: string; message?: { msg_id?: string } };
  if (!verifyZaloSignature({ header: req.get('x-zevent-signature') ?? '', appId, rawBody: raw, timestamp: event.timestamp, secret })) {
    res.status(401).end();
    return;
  }
  await pool.query('INSERT INTO bench_floor_event (event_key, payload) VALUES ($1, $2) ON CONFLICT (event_key) DO NOTHING', [`msg:${event.message?.msg_id}`, raw.toString('utf8')]);
  res.status(200).json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
