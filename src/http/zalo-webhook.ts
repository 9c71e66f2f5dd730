import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { verifyZaloSignature } from '../zalo/signature.js';
import { isKnownZaloEventName, zaloBodyKey, zaloEventKey, zaloEventSchema } from '../zalo/webhook-events.js';
import { HttpError } from './http-error.js';
import type { InboundRecorder } from './inbound-recorder.js';

export interface WebhookDeps {
  recorder: InboundRecorder;
  metrics: Metrics;
  appId: string;
  secret: string;
  maxAgeSeconds: number;
  maxFutureSkewSeconds: number;
  now: () => Date;
}

const envelope = z.looseObject({
  event_name: z.string().min(1),
  timestamp: z.union([z.string().regex(/^\d{10,16}$/), z.number().int().positive()]).transform(String),
});

function refuse(deps: WebhookDeps, req: Request, reason: string, error: HttpError): never {
  deps.metrics.webhookRejected.inc({ reason });
  (req as Request & { log?: Logger }).log?.warn({ reason }, 'webhook refused');
  throw error;
}

/**
 * POST /webhooks/zalo: verify, parse, record, enqueue, answer. Zalo wants an answer
 * within about 2 s and redelivers otherwise, so nothing slow happens here and every
 * event is recorded under a unique key before the answer.
 */
export function createZaloWebhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  // Zalo never compresses its bodies, so a Content-Encoding is a stranger's: refused before
  // anything is inflated (a gzip bomb, or a plain body that fails to inflate).
  const refuseContentEncoding = (req: Request, _res: Response, next: NextFunction) => {
    const encoding = req.get('content-encoding')?.trim().toLowerCase() || 'identity';
    if (encoding !== 'identity') refuse(deps, req, 'content_encoding', new HttpError('unsupported_media_type', 'webhook bodies are not compressed: send them without Content-Encoding'));
    next();
  };
  router.post('/webhooks/zalo', refuseContentEncoding, express.raw({ type: () => true, limit: '1mb' }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.get('x-zevent-signature');
    if (!header) refuse(deps, req, 'signature_missing', new HttpError('unauthorized', 'missing signature'));

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      refuse(deps, req, 'malformed_json', new HttpError('bad_request', 'body is not JSON'));
    }
    const head = envelope.safeParse(json);
    if (!head.success) refuse(deps, req, 'malformed_event', new HttpError('bad_request', 'event_name and timestamp are required'));

    if (!verifyZaloSignature({ header, appId: deps.appId, rawBody: raw, timestamp: head.data.timestamp, secret: deps.secret })) {
      refuse(deps, req, 'signature_invalid', new HttpError('unauthorized', 'invalid signature'));
    }
    const ageMs = deps.now().getTime() - Number(head.data.timestamp);
    if (ageMs > deps.maxAgeSeconds * 1000) refuse(deps, req, 'stale', new HttpError('unauthorized', 'event too old'));
    if (-ageMs > deps.maxFutureSkewSeconds * 1000) refuse(deps, req, 'future', new HttpError('unauthorized', 'event timestamp in the future'));

    if (!isKnownZaloEventName(head.data.event_name)) {
      deps.metrics.webhookAccepted.inc({ outcome: 'unknown_ignored' });
      // The request's logger is made here, when needed: most requests never log.
      (req as Request & { log: Logger }).log.info({ eventName: head.data.event_name }, 'unknown webhook event ignored');
      res.status(200).json({ ok: true });
      return;
    }

    // A signed event of a shape we do not understand is Zalo's, not an attacker's: keep it
    // for inspection and answer 200, since refusing would make Zalo retry and then
    // disable the webhook for everyone.
    const event = zaloEventSchema.safeParse(json);
    const status = !event.success ? 'invalid' : event.data.kind === 'oa_echo' ? 'ignored' : 'pending';
    const eventKey = event.success ? zaloEventKey(event.data, raw) : zaloBodyKey(raw);
    const outcome = await deps.recorder.record({
      eventKey,
      eventName: head.data.event_name,
      userId: event.success ? (event.data.userId ?? null) : null,
      zaloTimestamp: new Date(Number(head.data.timestamp)),
      payload: head.data,
      status,
    });
    deps.metrics.webhookAccepted.inc({ outcome: outcome === 'duplicate' ? 'duplicate' : status === 'pending' ? 'recorded' : status });
    res.status(200).json({ ok: true });
  });
  return router;
}
