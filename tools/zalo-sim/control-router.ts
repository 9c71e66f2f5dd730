import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { parseMultipart, type MultipartPart } from './parse-multipart.js';
import { isOaChannel, type SimStore } from './sim-store.js';
import type { SentFilter, TranscriptKind } from './sim-types.js';
import type { UserActions } from './user-actions.js';
import type { WebhookPoster } from './webhook-poster.js';
import { SimInputError } from './sim-input-error.js';

const SSE_PING_MS = 15_000;

const TRANSCRIPT_KINDS: readonly TranscriptKind[] = [
  'text',
  'image',
  'file',
  'request_user_info',
  'template',
  'zns',
  'submit_info',
  'follow',
  'unfollow',
];

function isTranscriptKind(value: string): value is TranscriptKind {
  return TRANSCRIPT_KINDS.some((kind) => kind === value);
}

export const faultInputSchema = z
  .object({
    path: z.string().optional(),
    times: z.number().int().min(1).optional(),
    error: z.number().int().negative().optional(),
    message: z.string().optional(),
    httpStatus: z.number().int().min(400).max(599).optional(),
    delayMs: z.number().int().min(1).max(600_000).optional(),
  })
  .refine((f) => f.error !== undefined || f.httpStatus !== undefined || f.delayMs !== undefined, {
    message: 'give error, httpStatus or delayMs',
  })
  .refine((f) => f.error === undefined || f.httpStatus === undefined, {
    message: 'error and httpStatus exclude each other',
  });

export const userPatchSchema = z.object({
  displayName: z.string().min(1).optional(),
  following: z.boolean().optional(),
  lastInteractionAt: z.number().int().nullable().optional(),
  phone: z.string().nullable().optional(),
});

export const sharedInfoSchema = z.object({
  name: z.string().optional(),
  phone: z.string().optional(),
  address: z.string().optional(),
  city: z.string().optional(),
  district: z.string().optional(),
  ward: z.string().optional(),
});

const tokenPairSchema = z.object({ accessToken: z.string().min(1), refreshToken: z.string().min(1) });
const textSchema = z.object({ text: z.string().min(1), hidden: z.boolean().optional(), displayName: z.string().optional() });
const msgIdsSchema = z.object({ msgIds: z.array(z.string().min(1)).min(1).optional() });
const tapSchema = z.object({ title: z.string().min(1), messageId: z.string().optional() });
const webhookSchema = z.object({
  body: z.record(z.string(), z.unknown()).optional(),
  rawBody: z.string().optional(),
  signatureHeader: z.string().nullable().optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new SimInputError(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function uploadedFile(req: Request): { file: MultipartPart & { filename: string }; fields: Map<string, string> } {
  const body: unknown = req.body;
  const parts = Buffer.isBuffer(body) ? parseMultipart(body, req.get('content-type')) : null;
  if (!parts) throw new SimInputError('send multipart/form-data with a "file" field');
  const file = parts.find((p) => p.name === 'file' && p.filename !== null);
  if (!file?.filename) throw new SimInputError('multipart field "file" is missing');
  const fields = new Map(parts.filter((p) => p.filename === null).map((p) => [p.name, p.data.toString('utf8')]));
  return { file: { ...file, filename: file.filename }, fields };
}

/** The stand-in's own control API under /sim: switches, inspection, acting as users, the page's feed. */
export function createControlRouter(deps: { store: SimStore; poster: WebhookPoster; actions: UserActions }): Router {
  const { store, poster, actions } = deps;
  const router = express.Router();
  router.use(express.json({ limit: '2mb' }));
  const multipart = express.raw({ type: 'multipart/form-data', limit: '30mb' });

  const userId = (req: Request): string => {
    const id = req.params['id'];
    if (typeof id !== 'string' || id === '') throw new SimInputError('user id is missing');
    return id;
  };

  // ---- inspection ----

  router.get('/state', (_req, res) => {
    res.json(store.getState());
  });

  router.get('/sent', (req, res) => {
    const filter: SentFilter = {};
    const user = queryString(req, 'userId') ?? queryString(req, 'user_id');
    const channel = queryString(req, 'channel');
    const kind = queryString(req, 'kind');
    if (user !== undefined) filter.userId = user;
    if (channel !== undefined) {
      if (!isOaChannel(channel)) throw new SimInputError('channel is cs, template, zns or admin');
      filter.channel = channel;
    }
    if (kind !== undefined) {
      if (!isTranscriptKind(kind)) throw new SimInputError(`unknown kind ${kind}`);
      filter.kind = kind;
    }
    res.json({ sent: store.getSent(filter) });
  });

  router.get('/transcript', (req, res) => {
    res.json({ items: store.getTranscript(queryString(req, 'userId') ?? queryString(req, 'user_id')) });
  });

  router.get('/calls', (req, res) => {
    const path = queryString(req, 'path');
    res.json({ calls: store.getCalls(path !== undefined ? { path } : {}) });
  });

  router.get('/deliveries', (req, res) => {
    const user = queryString(req, 'userId') ?? queryString(req, 'user_id');
    const eventName = queryString(req, 'eventName') ?? queryString(req, 'event_name');
    res.json({
      deliveries: store.getDeliveries({
        ...(user !== undefined ? { userId: user } : {}),
        ...(eventName !== undefined ? { eventName } : {}),
      }),
    });
  });

  router.post('/deliveries/:id/redeliver', async (req, res) => {
    const id = req.params['id'] ?? '';
    if (!store.getDelivery(id)) throw new SimInputError(`unknown delivery ${id}`);
    res.json(await poster.redeliver(id));
  });

  router.post('/idle', async (_req, res) => {
    await poster.whenIdle();
    res.json({ ok: true });
  });

  router.get('/slow-requests', (_req, res) => {
    res.json({ requests: store.getSlowRequests() });
  });

  // ---- switches ----

  router.get('/faults', (_req, res) => {
    res.json({ faults: store.getFaults() });
  });

  router.post('/faults', (req, res) => {
    const input = parse(faultInputSchema, req.body);
    res.json(store.addFault(input));
  });

  router.delete('/faults', (_req, res) => {
    store.clearFaults();
    res.json({ ok: true });
  });

  router.post('/tokens/expire', (_req, res) => {
    store.expireAccessToken();
    res.json(store.getState().tokens);
  });

  router.post('/tokens', (req, res) => {
    store.grantTokens(parse(tokenPairSchema, req.body));
    res.json(store.getState().tokens);
  });

  router.put('/webhook-url', (req, res) => {
    const { url } = parse(z.object({ url: z.string().url().nullable() }), req.body);
    store.setWebhookUrl(url);
    res.json({ webhookUrl: url });
  });

  router.post('/reset', (_req, res) => {
    store.reset();
    res.json(store.getState());
  });

  // ---- users ----

  router.get('/users', (_req, res) => {
    res.json({ users: store.listUsers() });
  });

  router.get('/users/:id', (req, res) => {
    const user = store.getUser(userId(req));
    if (!user) {
      res.status(404).json({ error: 'unknown user' });
      return;
    }
    res.json(user);
  });

  router.patch('/users/:id', (req, res) => {
    res.json(store.setUser(userId(req), parse(userPatchSchema, req.body)));
  });

  router.post('/users/:id/text', async (req, res) => {
    const body = parse(textSchema, req.body);
    res.json(
      await actions.userSendText(userId(req), body.text, {
        ...(body.hidden !== undefined ? { hidden: body.hidden } : {}),
        ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
      }),
    );
  });

  router.post('/users/:id/image', multipart, async (req, res) => {
    const { file, fields } = uploadedFile(req);
    const caption = fields.get('caption');
    res.json(
      await actions.userSendImage(userId(req), {
        data: Buffer.from(file.data),
        filename: file.filename,
        ...(file.contentType ? { contentType: file.contentType } : {}),
        ...(caption !== undefined ? { caption } : {}),
      }),
    );
  });

  router.post('/users/:id/file', multipart, async (req, res) => {
    const { file } = uploadedFile(req);
    res.json(
      await actions.userSendFile(userId(req), {
        data: Buffer.from(file.data),
        filename: file.filename,
        ...(file.contentType ? { contentType: file.contentType } : {}),
      }),
    );
  });

  router.post('/users/:id/follow', async (req, res) => {
    const body = parse(z.object({ displayName: z.string().optional(), source: z.string().optional() }), req.body);
    res.json(
      await actions.userFollow(userId(req), {
        ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
        ...(body.source !== undefined ? { source: body.source } : {}),
      }),
    );
  });

  router.post('/users/:id/unfollow', async (req, res) => {
    res.json(await actions.userUnfollow(userId(req)));
  });

  router.post('/users/:id/submit-info', async (req, res) => {
    res.json(await actions.userSubmitInfo(userId(req), parse(sharedInfoSchema, req.body)));
  });

  router.post('/users/:id/received', async (req, res) => {
    const { msgIds } = parse(msgIdsSchema, req.body);
    res.json(await actions.userReceived(userId(req), msgIds));
  });

  router.post('/users/:id/seen', async (req, res) => {
    const { msgIds } = parse(msgIdsSchema, req.body);
    res.json(await actions.userSeen(userId(req), msgIds));
  });

  router.post('/users/:id/tap', async (req, res) => {
    const body = parse(tapSchema, req.body);
    const result = await actions.userTapButton(userId(req), {
      title: body.title,
      ...(body.messageId !== undefined ? { messageId: body.messageId } : {}),
    });
    res.json(result ?? { sentToBot: false });
  });

  router.post('/users/:id/admin-text', (req, res) => {
    const { text } = parse(z.object({ text: z.string().min(1) }), req.body);
    res.json(actions.adminSendText(userId(req), text));
  });

  router.post('/webhooks', async (req, res) => {
    const input = parse(webhookSchema, req.body);
    res.json(
      await actions.postWebhook({
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.rawBody !== undefined ? { rawBody: input.rawBody } : {}),
        ...(input.signatureHeader !== undefined ? { signatureHeader: input.signatureHeader } : {}),
      }),
    );
  });

  // ---- files and the live feed ----

  router.get('/files/:id', (req, res) => {
    const file = store.getFile(req.params['id'] ?? '');
    if (!file) {
      res.status(404).type('text/plain').send('no such file');
      return;
    }
    const disposition = req.query['download'] !== undefined ? 'attachment' : 'inline';
    res
      .status(200)
      .set('content-type', file.contentType)
      .set('content-disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .send(file.data);
  });

  router.get('/events', (_req: Request, res: Response) => {
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    res.write(`event: state\ndata: ${JSON.stringify({ type: 'state', state: store.getState() })}\n\n`);
    const unsubscribe = store.subscribe((event) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), SSE_PING_MS);
    ping.unref();
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });

  router.use((error: unknown, _req: Request, res: Response, next: (error?: unknown) => void) => {
    if (error instanceof SimInputError) {
      res.status(400).json({ error: error.message });
      return;
    }
    next(error);
  });

  return router;
}
