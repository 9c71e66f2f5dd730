import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { displayDate, vietnamDateOf } from '../../src/calendar/calendar-date.js';
import { parseMultipart } from './parse-multipart.js';
import type { SimStore, StoredFile } from './sim-store.js';
import type { FaultRule, SimButton, SimUser, SlowRequestRecord, TranscriptItem } from './sim-types.js';
import { contentTypeFor, fileExtension } from './user-actions.js';
import { validateCsMessage, type CsContent } from './validate-cs-message.js';
import { buildEchoEvent, buildReceiptEvent, buildZnsReceiptEvent, type EventContext } from './webhook-events.js';
import type { WebhookPoster } from './webhook-poster.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const FREE_WINDOW_MS = 2 * DAY_MS;
const WINDOW_MS = 7 * DAY_MS;
const UPLOAD_LIFETIME_MS = 7 * DAY_MS;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_IMAGE_BYTES = 1024 * 1024;
const MAX_TRACKING_ID = 48;
const MAX_CONVERSATION_COUNT = 10;
const ZNS_DAILY_QUOTA = 500;

/** Error texts in the spirit of Zalo's; the codes are what a client branches on. */
const ERROR_MESSAGES: Record<number, string> = {
  [-32]: 'The app has exceeded the request rate limit',
  [-100]: 'The attachment has expired, upload it again',
  [-108]: 'Phone number is invalid',
  [-124]: 'Access token is invalid',
  [-201]: 'Parameters are invalid',
  [-211]: 'Out of quota',
  [-213]: 'User has not followed the OA',
  [-216]: 'Access token is invalid',
  [-218]: 'The recipient has reached the message quota',
  [-220]: 'Access token has expired',
  [-221]: 'The OA is not verified',
  [-224]: 'The OA service package does not allow this',
  [-227]: 'User is banned or has been inactive for more than 45 days',
  [-230]: 'User has not interacted with the OA in the last 7 days',
  [-232]: 'The user interaction has expired',
  [-234]: 'Promotion messages are not allowed at night',
  [-240]: 'The v2 message API has been shut down; use /v3.0/oa/message/*',
};

type ApiKind = 'oa' | 'oauth' | 'business';
type Reply = { status: number; json: unknown } | { status: number; text: string };

export interface OpenApiDeps {
  store: SimStore;
  poster: WebhookPoster;
  appSecret: string;
  publicUrl: () => string;
  /** Sleeps for slow-answer switches; cancelled when the server closes. */
  wait: (ms: number) => Promise<void>;
}

function success(data: unknown): Reply {
  return { status: 200, json: { error: 0, message: 'Success', data } };
}

function failure(code: number, detail?: string): Reply {
  const base = ERROR_MESSAGES[code] ?? 'Simulated error';
  return { status: 200, json: { error: code, message: detail ? `${base}: ${detail}` : base } };
}

function oauthFailure(reason: string, description: string): Reply {
  return { status: 200, json: { error_name: 'Invalid parameter', error_reason: reason, error_description: description } };
}

function parseDataParam(req: Request): unknown {
  const raw = req.query['data'];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function formatVietnamDate(epochMs: number): string {
  return displayDate(vietnamDateOf(new Date(epochMs)));
}

const nonNegativeInt = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

/** The Open API, the OAuth endpoint and the business (ZNS) endpoint, all on one server. */
export function createOpenApiRouter(deps: OpenApiDeps): Router {
  const { store, poster } = deps;
  const router = express.Router();
  const json = express.json({ limit: '1mb' });
  const multipart = express.raw({ type: 'multipart/form-data', limit: '20mb' });

  function context(): EventContext {
    return { appId: store.config.appId, oaId: store.config.oaId, timestamp: String(store.clock.now()) };
  }

  function fileUrl(file: StoredFile): string {
    return `${deps.publicUrl()}/sim/files/${file.id}`;
  }

  function checkAccess(kind: ApiKind, token: string | null): Reply | null {
    if (kind === 'oauth') return null;
    const check = store.checkAccessToken(token);
    if (check === 'ok') return null;
    if (kind === 'business') return failure(-124, check === 'expired' ? 'access token has expired' : undefined);
    return failure(check === 'expired' ? -220 : -216);
  }

  function faultReply(kind: ApiKind, fault: FaultRule): Reply | null {
    if (fault.httpStatus !== undefined) {
      return { status: fault.httpStatus, text: `Simulated HTTP ${fault.httpStatus}` };
    }
    if (fault.error !== undefined) {
      if (kind === 'oauth') return oauthFailure(String(fault.error), fault.message ?? 'Simulated OAuth failure');
      return { status: 200, json: { error: fault.error, message: fault.message ?? ERROR_MESSAGES[fault.error] ?? 'Simulated error' } };
    }
    return null;
  }

  /** Wraps a handler with the switches (faults, slowness), the token check and the call log. */
  function route(kind: ApiKind, handler: (req: Request) => Reply | Promise<Reply>) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        let clientGone = false;
        res.on('close', () => {
          if (!res.writableEnded) clientGone = true;
        });
        if (kind === 'oauth') store.countRefreshAttempt();
        const token = req.get('access_token') ?? null;
        const fault = store.takeFault(req.path);
        let reply = fault ? faultReply(kind, fault) : null;
        const completed = reply === null;
        if (reply === null) reply = checkAccess(kind, token) ?? (await handler(req));

        const zaloError = 'json' in reply ? zaloErrorOf(reply.json) : null;
        store.addCall({
          at: store.clock.now(),
          method: req.method,
          path: req.path,
          accessToken: token,
          httpStatus: reply.status,
          error: zaloError,
          ...(fault ? { faultId: fault.id } : {}),
        });

        if (fault?.delayMs !== undefined) {
          const record: SlowRequestRecord = {
            faultId: fault.id,
            method: req.method,
            path: req.path,
            delayMs: fault.delayMs,
            startedAt: store.clock.now(),
            completed,
            error: zaloError,
            clientGone: false,
            answered: false,
            finished: false,
          };
          store.addSlowRequest(record);
          await deps.wait(fault.delayMs);
          record.clientGone = clientGone;
          record.answered = !clientGone && !res.writableEnded;
          record.finished = true;
          store.emitState();
        }
        if (clientGone || res.writableEnded) return;
        if ('json' in reply) res.status(reply.status).json(reply.json);
        else res.status(reply.status).type('text/plain').send(reply.text);
      } catch (error) {
        next(error);
      }
    };
  }

  // ---- OAuth ----

  router.post(
    '/v4/oa/access_token',
    express.urlencoded({ extended: false }),
    route('oauth', (req) => {
      const form = z
        .object({ refresh_token: z.string(), app_id: z.string(), grant_type: z.string() })
        .safeParse(req.body);
      if (!form.success) {
        return oauthFailure('Missing parameter', 'Form-encoded refresh_token, app_id and grant_type are required');
      }
      if (req.get('secret_key') !== deps.appSecret) {
        return oauthFailure('Invalid secret key', 'The secret_key header does not match the app secret');
      }
      if (form.data.app_id !== store.config.appId) return oauthFailure('Invalid app_id', 'Unknown app_id');
      if (form.data.grant_type !== 'refresh_token') {
        return oauthFailure('Invalid grant_type', 'grant_type must be refresh_token');
      }
      const outcome = store.refresh(form.data.refresh_token);
      if (!outcome.ok) {
        return oauthFailure(
          'Invalid refresh token',
          outcome.reason === 'spent'
            ? 'The refresh token was already used; the grant is revoked and an OA admin must consent again'
            : 'The refresh token is unknown or expired',
        );
      }
      return {
        status: 200,
        json: {
          access_token: outcome.pair.accessToken,
          refresh_token: outcome.pair.refreshToken,
          expires_in: String(store.config.accessTokenLifetimeSeconds),
        },
      };
    }),
  );

  // ---- messages ----

  function windowOf(user: SimUser): 'free' | 'paid' | null {
    if (user.lastInteractionAt === null) return null;
    const age = store.clock.now() - user.lastInteractionAt;
    if (age > WINDOW_MS) return null;
    return age <= FREE_WINDOW_MS ? 'free' : 'paid';
  }

  function unknownUser(userId: string): Reply {
    const byApp = store.findUserByAppScopedId(userId);
    return failure(-201, byApp ? `user_id ${userId} is a user_id_by_app; reply to sender.id` : `user_id ${userId} is invalid`);
  }

  function resolveUpload(file: StoredFile | undefined, what: string): StoredFile | Reply {
    if (!file) return failure(-201, `${what} is invalid`);
    if (store.clock.now() - file.storedAt > UPLOAD_LIFETIME_MS) return failure(-100);
    return file;
  }

  function isReply(value: StoredFile | Reply): value is Reply {
    return 'status' in value;
  }

  /** Turns validated cs content into a transcript item and the matching oa_send_* echo. */
  function materialize(
    content: CsContent,
  ): Reply | { item: Partial<TranscriptItem>; echo: { name: 'oa_send_text' | 'oa_send_image' | 'oa_send_file' | 'oa_send_list'; message: Record<string, unknown> } } {
    switch (content.kind) {
      case 'text': {
        const buttons: SimButton[] = content.buttons;
        return {
          item: { kind: 'text', text: content.text, ...(buttons.length > 0 ? { buttons } : {}) },
          echo: { name: 'oa_send_text', message: { text: content.text } },
        };
      }
      case 'image': {
        let url = content.url ?? '';
        if (content.attachmentId !== undefined) {
          const file = resolveUpload(store.fileByAttachmentId(content.attachmentId), 'attachment_id');
          if (isReply(file)) return file;
          url = fileUrl(file);
        }
        const image = { url, thumbnail: url };
        return {
          item: { kind: 'image', image, ...(content.text !== undefined ? { text: content.text } : {}) },
          echo: {
            name: 'oa_send_image',
            message: {
              ...(content.text !== undefined ? { text: content.text } : {}),
              attachments: [{ type: 'image', payload: image }],
            },
          },
        };
      }
      case 'file': {
        const file = resolveUpload(store.fileByToken(content.token), 'file token');
        if (isReply(file)) return file;
        const url = fileUrl(file);
        return {
          item: { kind: 'file', file: { url, name: file.name, size: file.data.length } },
          echo: {
            name: 'oa_send_file',
            message: {
              attachments: [
                {
                  type: 'file',
                  payload: { url, name: file.name, size: String(file.data.length), type: fileExtension(file.name), checksum: file.checksum },
                },
              ],
            },
          },
        };
      }
      case 'request_user_info': {
        const requestInfo = {
          title: content.title,
          subtitle: content.subtitle,
          ...(content.imageUrl !== undefined ? { imageUrl: content.imageUrl } : {}),
        };
        return {
          item: { kind: 'request_user_info', requestInfo, ...(content.text !== undefined ? { text: content.text } : {}) },
          echo: {
            name: 'oa_send_list',
            message: {
              text: content.title,
              attachments: [
                {
                  type: 'template',
                  payload: {
                    template_type: 'request_user_info',
                    elements: [{ title: content.title, subtitle: content.subtitle, image_url: content.imageUrl ?? '' }],
                  },
                },
              ],
            },
          },
        };
      }
    }
  }

  router.post(
    '/v3.0/oa/message/cs',
    json,
    route('oa', (req) => {
      if (!req.is('application/json')) return failure(-201, 'the body must be JSON (Content-Type: application/json)');
      const validation = validateCsMessage(req.body);
      if (!validation.ok) return failure(-201, validation.reason);
      const user = store.getUser(validation.userId);
      if (!user) return unknownUser(validation.userId);
      if (!user.following) return failure(-213);
      const window = windowOf(user);
      if (window === null) return failure(-230);
      const made = materialize(validation.content);
      if ('status' in made) return made;

      const messageId = store.nextMessageId();
      store.addItem({
        ...made.item,
        kind: made.item.kind ?? 'text',
        direction: 'oa',
        channel: 'cs',
        messageId,
        userId: user.id,
        at: store.clock.now(),
        window,
        body: req.body,
      });
      if (store.config.echoSends) {
        poster.deliverInOrder(buildEchoEvent(context(), user, made.echo.name, { msg_id: messageId, ...made.echo.message }), {
          userId: user.id,
        });
      }
      if (store.config.postReceipts) {
        poster.deliverInOrder(buildReceiptEvent(context(), user, 'user_received_message', [messageId]), { userId: user.id });
      }
      return success({ message_id: messageId, user_id: user.id });
    }),
  );

  router.post(
    '/v3.0/oa/message/template',
    json,
    route('oa', (req) => {
      const body = z
        .object({
          user_id: z.string().min(1),
          template_id: z.string().min(1),
          template_data: z.record(z.string(), z.unknown()),
        })
        .safeParse(req.body);
      if (!body.success) return failure(-201, 'user_id, template_id and template_data (object) are required');
      const user = store.getUser(body.data.user_id);
      if (!user) return unknownUser(body.data.user_id);
      const messageId = store.nextMessageId();
      store.addItem({
        direction: 'oa',
        channel: 'template',
        kind: 'template',
        messageId,
        userId: user.id,
        at: store.clock.now(),
        template: { templateId: body.data.template_id, templateData: body.data.template_data },
        body: req.body,
      });
      if (store.config.postReceipts) {
        poster.deliverInOrder(buildReceiptEvent(context(), user, 'user_received_message', [messageId]), { userId: user.id });
      }
      return success({ message_id: messageId, user_id: user.id });
    }),
  );

  router.post(
    '/message/template',
    json,
    route('business', (req) => {
      const body = z
        .object({
          phone: z.string(),
          template_id: z.string().min(1),
          template_data: z.record(z.string(), z.unknown()),
          tracking_id: z.string().min(1).optional(),
        })
        .safeParse(req.body);
      if (!body.success) return failure(-201, 'phone, template_id and template_data (object) are required');
      const { phone, template_id: templateId, template_data: templateData, tracking_id: trackingId } = body.data;
      if (!/^84\d{9,10}$/.test(phone)) return failure(-108, 'use the 84… form');
      if (trackingId !== undefined && trackingId.length > MAX_TRACKING_ID) {
        return failure(-201, `tracking_id is longer than ${MAX_TRACKING_ID} characters`);
      }
      const sentCount = store.getSent({ channel: 'zns' }).length;
      const quota = { dailyQuota: String(ZNS_DAILY_QUOTA), remainingQuota: String(Math.max(0, ZNS_DAILY_QUOTA - sentCount)) };
      const previous = trackingId !== undefined ? store.znsRecord(trackingId) : undefined;
      if (previous) {
        // The tracking_id is the idempotency key: answer as before, deliver nothing new.
        store.countZnsDuplicate();
        return success({ msg_id: previous.msgId, sent_time: previous.sentTime, quota });
      }
      const msgId = store.nextMessageId();
      const sentTime = String(store.clock.now());
      const user = store.findUserByPhone(phone);
      store.addItem({
        direction: 'oa',
        channel: 'zns',
        kind: 'zns',
        messageId: msgId,
        userId: user?.id ?? null,
        at: store.clock.now(),
        template: { templateId, templateData, phone, ...(trackingId !== undefined ? { trackingId } : {}) },
        body: req.body,
      });
      if (trackingId !== undefined) store.rememberZns(trackingId, { msgId, sentTime });
      if (store.config.postReceipts) {
        poster.deliverInOrder(buildZnsReceiptEvent(context(), user?.id ?? phone, msgId, trackingId), { userId: user?.id ?? null });
      }
      return success({
        msg_id: msgId,
        sent_time: sentTime,
        quota: { ...quota, remainingQuota: String(Math.max(0, ZNS_DAILY_QUOTA - sentCount - 1)) },
      });
    }),
  );

  router.post(
    '/v2.0/oa/message',
    json,
    route('oa', () => failure(-240)),
  );

  // ---- users ----

  router.get(
    '/v3.0/oa/user/detail',
    route('oa', (req) => {
      const data = z.object({ user_id: z.string().min(1) }).safeParse(parseDataParam(req));
      if (!data.success) return failure(-201, 'data must be JSON {"user_id":"…"}');
      const user = store.getUser(data.data.user_id);
      if (!user) return unknownUser(data.data.user_id);
      const avatar = `${deps.publicUrl()}/avatar.svg`;
      return success({
        user_id: user.id,
        user_id_by_app: user.userIdByApp,
        user_external_id: '',
        display_name: user.displayName,
        user_alias: '',
        is_sensitive: false,
        ...(user.lastInteractionAt !== null
          ? { user_last_interaction_date: formatVietnamDate(user.lastInteractionAt) }
          : {}),
        user_is_follower: user.following,
        avatar,
        avatars: { '120': avatar, '240': avatar },
        tags_and_notes_info: { tag_names: [], notes: [] },
        ...(user.sharedInfo ? { shared_info: user.sharedInfo } : {}),
      });
    }),
  );

  router.post(
    '/v3.0/oa/quota/message',
    json,
    route('oa', (req) => {
      const body = z.object({ user_id: z.string().min(1) }).safeParse(req.body);
      if (!body.success) return failure(-201, 'user_id is required');
      const user = store.getUser(body.data.user_id);
      if (!user) return unknownUser(body.data.user_id);
      return success({
        user_id: user.id,
        last_interaction: user.lastInteractionAt,
        is_follower: user.following,
        window: windowOf(user) ?? 'closed',
      });
    }),
  );

  router.get(
    '/v2.0/oa/conversation',
    route('oa', (req) => {
      const data = z
        .object({ user_id: z.string().min(1), offset: nonNegativeInt, count: nonNegativeInt })
        .safeParse(parseDataParam(req));
      if (!data.success) return failure(-201, 'data must be JSON {"user_id","offset","count"}');
      const { user_id: userId, offset, count } = data.data;
      if (count < 1 || count > MAX_CONVERSATION_COUNT) return failure(-201, `count must be 1…${MAX_CONVERSATION_COUNT}`);
      const user = store.getUser(userId);
      if (!user) return unknownUser(userId);
      const items = store
        .getTranscript(user.id)
        .filter((i) => i.messageId !== null && i.channel !== 'zns')
        .reverse()
        .slice(offset, offset + count)
        .map((i) => toConversationItem(i, user, store.config.oaId));
      return success(items);
    }),
  );

  // ---- uploads ----

  function upload(kind: 'file' | 'image') {
    return route('oa', (req) => {
      const body: unknown = req.body;
      const parts = Buffer.isBuffer(body) ? parseMultipart(body, req.get('content-type')) : null;
      const part = parts?.find((p) => p.name === 'file' && p.filename !== null);
      if (!part?.filename) return failure(-201, 'multipart field "file" is required');
      const extension = fileExtension(part.filename);
      const allowed = kind === 'file' ? ['pdf', 'doc', 'docx'] : ['jpg', 'jpeg', 'png'];
      if (!allowed.includes(extension)) return failure(-201, `.${extension || '?'} is not accepted here (${allowed.join(', ')})`);
      const limit = kind === 'file' ? MAX_FILE_BYTES : MAX_IMAGE_BYTES;
      if (part.data.length === 0) return failure(-201, 'the file is empty');
      if (part.data.length > limit) return failure(-201, `the file is larger than ${limit / 1024 / 1024} MB`);
      const file = store.storeFile({
        name: part.filename,
        contentType: contentTypeFor(part.filename, part.contentType),
        data: Buffer.from(part.data),
        origin: 'oa-upload',
      });
      return kind === 'file'
        ? success({ token: store.issueFileToken(file.id) })
        : success({ attachment_id: store.issueImageAttachmentId(file.id) });
    });
  }

  router.post('/v2.0/oa/upload/file', multipart, upload('file'));
  router.post('/v2.0/oa/upload/image', multipart, upload('image'));

  // Malformed bodies on the Zalo paths get Zalo-shaped answers, not an HTML error page.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
    if (type !== 'entity.parse.failed' && type !== 'entity.too.large') {
      next(error);
      return;
    }
    const detail = type === 'entity.too.large' ? 'the body is too large' : 'the body is not valid JSON';
    const reply = req.path === '/v4/oa/access_token' ? oauthFailure('Invalid body', detail) : failure(-201, detail);
    res.status(reply.status).json('json' in reply ? reply.json : {});
  });

  return router;
}

function zaloErrorOf(body: unknown): number | null {
  if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'number') return body.error;
  return null;
}

/** One item of GET /v2.0/oa/conversation: src 0 = sent by the OA, 1 = sent by the user. */
function toConversationItem(item: TranscriptItem, user: SimUser, oaId: string): Record<string, unknown> {
  const fromOa = item.direction === 'oa';
  const base = {
    message_id: item.messageId,
    src: fromOa ? 0 : 1,
    time: item.at,
    from_id: fromOa ? oaId : user.id,
    from_display_name: fromOa ? 'OA' : user.displayName,
    to_id: fromOa ? user.id : oaId,
    to_display_name: fromOa ? user.displayName : 'OA',
  };
  switch (item.kind) {
    case 'image':
      return { ...base, type: 'photo', message: item.text ?? '', url: item.image?.url ?? '', thumb: item.image?.thumbnail ?? '' };
    case 'file':
      return { ...base, type: 'file', message: item.file?.name ?? '', url: item.file?.url ?? '' };
    case 'request_user_info':
      return { ...base, type: 'template', message: item.requestInfo?.title ?? '' };
    case 'template':
      return { ...base, type: 'template', message: item.template?.templateId ?? '' };
    default:
      return { ...base, type: 'text', message: item.text ?? '' };
  }
}
