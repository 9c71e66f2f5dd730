import express from 'express';

// The yardstick: an Express handler that only parses JSON and answers 200.
const app = express();
app.post('/webhooks/zalo', express.json({ limit: '1mb' }), (_req, res) => {
  res.status(200).json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
