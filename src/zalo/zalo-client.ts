import axios, { AxiosError, type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { ZaloTokenStore, RefreshZaloTokens } from './token-store.js';
import type { RateLimiter } from './rate-limiter.js';
import { ZaloApiError, ZaloAuthError, ZaloTransportError, isTokenRejection } from './errors.js';

// The only code that knows Zalo's Open API shapes. Inside the app, messages are neutral.

export interface ZaloButton {
  title: string;
  type: 'oa.query.show' | 'oa.query.hide' | 'oa.open.url' | 'oa.open.phone';
  payload: string | { url: string } | { phone_code: string };
}

export interface SentMessage {
  messageId: string;
}

export interface ZaloUserDetail {
  displayName: string | undefined;
  isFollower: boolean | undefined;
  lastInteractionDate: string | undefined;
  sharedPhone: string | undefined;
}

export interface ConversationItem {
  messageId: string;
  fromId: string;
  time: number;
  type: string;
  message: string | undefined;
}

export interface ZaloClient {
  sendText(userId: string, text: string): Promise<SentMessage>;
  sendTextWithButtons(userId: string, text: string, buttons: ZaloButton[]): Promise<SentMessage>;
  sendImage(userId: string, image: { url: string } | { attachmentId: string }, caption?: string): Promise<SentMessage>;
  uploadFile(file: { bytes: Buffer; fileName: string; mimeType: string }): Promise<string>;
  sendFile(userId: string, fileToken: string): Promise<SentMessage>;
  requestUserInfo(userId: string, card: { title: string; subtitle: string; imageUrl: string }): Promise<SentMessage>;
  getUserDetail(userId: string): Promise<ZaloUserDetail>;
  getMessageQuota(userId: string): Promise<Record<string, unknown>>;
  sendTemplateMessage(userId: string, templateId: string, templateData: Record<string, string>): Promise<SentMessage>;
  sendZns(input: { phone: string; templateId: string; templateData: Record<string, string>; trackingId: string }): Promise<SentMessage>;
  getRecentConversation(userId: string, count: number): Promise<ConversationItem[]>;
}

const zaloEnvelope = z.looseObject({ error: z.number().optional(), message: z.string().optional(), data: z.unknown().optional() });
const sentData = z.looseObject({ message_id: z.union([z.string(), z.number()]).transform(String) });
const uploadFileData = z.looseObject({ token: z.string().min(1) });
const userDetailData = z.looseObject({
  display_name: z.string().optional(),
  user_is_follower: z.boolean().optional(),
  user_last_interaction_date: z.string().optional(),
  shared_info: z.looseObject({ phone: z.union([z.string(), z.number()]).transform(String).optional() }).nullish(),
});
const conversationData = z.array(
  z.looseObject({
    message_id: z.union([z.string(), z.number()]).transform(String),
    from_id: z.union([z.string(), z.number()]).transform(String),
    time: z.coerce.number(),
    type: z.string(),
    message: z.string().optional(),
  }),
);
const oauthAnswer = z.looseObject({
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  expires_in: z.union([z.string(), z.number()]).optional(),
  error: z.union([z.string(), z.number()]).optional(),
  error_name: z.string().optional(),
  error_reason: z.string().optional(),
});

type Base = 'oa' | 'business';

interface CallSpec {
  base: Base;
  method: 'GET' | 'POST';
  path: string;
  /** GET endpoints take one JSON-encoded `data` query parameter. */
  query?: unknown;
  body?: unknown;
  /** Rebuilt for each attempt: a FormData body cannot be sent twice. */
  form?: () => FormData;
}

function describeTransportFailure(error: unknown): { reason: string; status?: number } {
  if (error instanceof AxiosError) {
    // Never pass the AxiosError on: its config carries the access_token header.
    const status = error.response?.status;
    return status === undefined ? { reason: error.code ?? 'network error' } : { reason: `HTTP ${status}`, status };
  }
  return { reason: error instanceof Error ? error.name : 'unknown failure' };
}

export function createZaloClient(deps: {
  oaApiUrl: string;
  businessApiUrl: string;
  timeoutMs: number;
  tokens: ZaloTokenStore;
  limiter: RateLimiter;
  http?: AxiosInstance;
}): ZaloClient {
  const http = deps.http ?? axios.create({ timeout: deps.timeoutMs, maxRedirects: 0, validateStatus: () => true });

  async function attempt(spec: CallSpec, accessToken: string): Promise<unknown> {
    await deps.limiter.acquire();
    const endpoint = `${spec.method} ${spec.path}`;
    let response;
    try {
      response = await http.request({
        method: spec.method,
        url: `${spec.base === 'oa' ? deps.oaApiUrl : deps.businessApiUrl}${spec.path}`,
        headers: { access_token: accessToken },
        params: spec.query === undefined ? undefined : { data: JSON.stringify(spec.query) },
        data: spec.form ? spec.form() : spec.body,
        timeout: deps.timeoutMs,
      });
    } catch (error) {
      const failure = describeTransportFailure(error);
      throw new ZaloTransportError(endpoint, failure.reason, failure.status);
    }
    if (response.status < 200 || response.status >= 300) {
      throw new ZaloTransportError(endpoint, `HTTP ${response.status}`, response.status);
    }
    const envelope = zaloEnvelope.safeParse(response.data);
    if (!envelope.success) throw new ZaloTransportError(endpoint, 'answer is not a Zalo JSON envelope', response.status);
    const code = envelope.data.error ?? 0;
    if (code !== 0) throw new ZaloApiError(code, envelope.data.message ?? '', endpoint);
    return envelope.data.data;
  }

  async function call(spec: CallSpec): Promise<unknown> {
    const token = await deps.tokens.getAccessToken();
    try {
      return await attempt(spec, token);
    } catch (error) {
      if (!isTokenRejection(error)) throw error;
      // Refresh once, retry once; a second rejection goes to the caller.
      return attempt(spec, await deps.tokens.renewRejected(token));
    }
  }

  function parseData<T>(schema: z.ZodType<T>, data: unknown, endpoint: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new ZaloTransportError(endpoint, 'unexpected answer shape');
    return parsed.data;
  }

  async function sendCs(userId: string, message: Record<string, unknown>): Promise<SentMessage> {
    const data = await call({ base: 'oa', method: 'POST', path: '/v3.0/oa/message/cs', body: { recipient: { user_id: userId }, message } });
    return { messageId: parseData(sentData, data, 'message/cs').message_id };
  }

  return {
    sendText: (userId, text) => sendCs(userId, { text: text.normalize('NFC') }),

    sendTextWithButtons(userId, text, buttons) {
      if (buttons.length > 5) throw new RangeError('Zalo allows at most 5 buttons on a message');
      return sendCs(userId, { text: text.normalize('NFC'), attachment: { type: 'template', payload: { buttons } } });
    },

    sendImage(userId, image, caption) {
      const element = 'url' in image ? { media_type: 'image', url: image.url } : { media_type: 'image', attachment_id: image.attachmentId };
      return sendCs(userId, {
        ...(caption ? { text: caption.normalize('NFC') } : {}),
        attachment: { type: 'template', payload: { template_type: 'media', elements: [element] } },
      });
    },

    async uploadFile(file) {
      const data = await call({
        base: 'oa',
        method: 'POST',
        path: '/v2.0/oa/upload/file',
        form: () => {
          const form = new FormData();
          form.append('file', new Blob([file.bytes], { type: file.mimeType }), file.fileName);
          return form;
        },
      });
      return parseData(uploadFileData, data, 'upload/file').token;
    },

    sendFile: (userId, fileToken) => sendCs(userId, { attachment: { type: 'file', payload: { token: fileToken } } }),

    requestUserInfo: (userId, card) =>
      sendCs(userId, {
        attachment: {
          type: 'template',
          payload: {
            template_type: 'request_user_info',
            elements: [{ title: card.title.normalize('NFC'), subtitle: card.subtitle.normalize('NFC'), image_url: card.imageUrl }],
          },
        },
      }),

    async getUserDetail(userId) {
      const data = parseData(userDetailData, await call({ base: 'oa', method: 'GET', path: '/v3.0/oa/user/detail', query: { user_id: userId } }), 'user/detail');
      return {
        displayName: data.display_name,
        isFollower: data.user_is_follower,
        lastInteractionDate: data.user_last_interaction_date,
        sharedPhone: data.shared_info?.phone,
      };
    },

    async getMessageQuota(userId) {
      const data = await call({ base: 'oa', method: 'POST', path: '/v3.0/oa/quota/message', body: { user_id: userId } });
      return parseData(z.record(z.string(), z.unknown()), data ?? {}, 'quota/message');
    },

    async sendTemplateMessage(userId, templateId, templateData) {
      const data = await call({ base: 'oa', method: 'POST', path: '/v3.0/oa/message/template', body: { user_id: userId, template_id: templateId, template_data: templateData } });
      return { messageId: parseData(sentData, data, 'message/template').message_id };
    },

    async sendZns(input) {
      if (input.trackingId.length > 48) throw new RangeError('ZNS tracking_id is at most 48 characters');
      const data = await call({
        base: 'business',
        method: 'POST',
        path: '/message/template',
        body: { phone: input.phone, template_id: input.templateId, template_data: input.templateData, tracking_id: input.trackingId },
      });
      return { messageId: parseData(sentData, data, 'zns message/template').message_id };
    },

    async getRecentConversation(userId, count) {
      const data = await call({ base: 'oa', method: 'GET', path: '/v2.0/oa/conversation', query: { user_id: userId, offset: 0, count: Math.min(count, 10) } });
      return parseData(conversationData, data ?? [], 'conversation').map((item) => ({
        messageId: item.message_id,
        fromId: item.from_id,
        time: item.time,
        type: item.type,
        message: item.message,
      }));
    },
  };
}

/**
 * Zalo's OAuth refresh. An answer without a token (HTTP 200 with error_name) is a
 * failure: an empty token must never be stored.
 */
export function createZaloTokenRefresher(deps: { oauthUrl: string; appId: string; appSecret: string; timeoutMs: number; http?: AxiosInstance }): RefreshZaloTokens {
  const http = deps.http ?? axios.create({ timeout: deps.timeoutMs, maxRedirects: 0, validateStatus: () => true });
  return async (refreshToken) => {
    let response;
    try {
      response = await http.post(
        `${deps.oauthUrl}/v4/oa/access_token`,
        new URLSearchParams({ refresh_token: refreshToken, app_id: deps.appId, grant_type: 'refresh_token' }).toString(),
        { headers: { secret_key: deps.appSecret, 'content-type': 'application/x-www-form-urlencoded' }, timeout: deps.timeoutMs },
      );
    } catch (error) {
      throw new ZaloAuthError(`OAuth unreachable (${describeTransportFailure(error).reason})`);
    }
    if (response.status !== 200) throw new ZaloAuthError(`OAuth answered HTTP ${response.status}`);
    const answer = oauthAnswer.safeParse(response.data);
    if (!answer.success) throw new ZaloAuthError('OAuth answer is not JSON of the expected shape');
    const { access_token: accessToken, refresh_token: nextRefresh, expires_in: expiresIn } = answer.data;
    if (!accessToken || !nextRefresh) {
      throw new ZaloAuthError(`OAuth refused the refresh: ${answer.data.error_name ?? answer.data.error ?? 'no token in answer'}`);
    }
    const seconds = Number(expiresIn);
    return { accessToken, refreshToken: nextRefresh, expiresInSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 90_000 };
  };
}
