/** Shapes shared by the Zalo stand-in's store, routers and user actions. */

export interface SimClock {
  now(): number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface ZaloSimOptions {
  /** app_id in webhooks and in the OAuth form body. */
  appId?: string;
  /** The OA id: recipient.id of user messages, sender.id of OA echoes, from_id in conversations. */
  oaId?: string;
  /** "OA Secret Key": the webhook signing secret. */
  oaSecretKey?: string;
  /** App secret checked against the OAuth `secret_key` header. */
  appSecret?: string;
  /** The bot's POST /webhooks/zalo. Without it webhooks are recorded as not delivered. */
  webhookUrl?: string;
  initialTokens?: TokenPair;
  accessTokenLifetimeSeconds?: number;
  clock?: SimClock;
  /** Post an `oa_send_*` webhook for every accepted cs message, as Zalo does. */
  echoSends?: boolean;
  /** Post `user_received_message` for every accepted cs, template and ZNS message. */
  postReceipts?: boolean;
  /** Whether an access token stays usable until its expiry after a refresh issued a newer one. */
  oldAccessTokensStayValid?: boolean;
  /** Zalo gives up after about 2 s; a little more here so a debugger pause is not an instant failure. */
  webhookTimeoutMs?: number;
  /** Base of attachment URLs put in webhooks; defaults to the URL listen() answers. */
  publicUrl?: string;
}

export interface SharedInfo {
  name?: string;
  phone?: string;
  address?: string;
  city?: string;
  district?: string;
  ward?: string;
}

export interface SimUser {
  /** OA-scoped user id: sender.id, the id the bot must reply to. */
  id: string;
  /** Per-app id: differs from `id` on purpose, replying to it fails. */
  userIdByApp: string;
  displayName: string;
  following: boolean;
  /** Epoch ms of the last interaction (message, follow, button tap, form); null = never. */
  lastInteractionAt: number | null;
  /** Phone in 84… form, used to match ZNS sends to this user. */
  phone: string | null;
  sharedInfo: SharedInfo | null;
}

export interface UserPatch {
  displayName?: string;
  following?: boolean;
  lastInteractionAt?: number | null;
  phone?: string | null;
}

export type ButtonType = 'oa.query.show' | 'oa.query.hide' | 'oa.open.url' | 'oa.open.phone' | 'oa.open.sms';

export interface SimButton {
  title: string;
  type: ButtonType;
  /** A string for query buttons, an object ({url} / {phone_code} / {content, phone_code}) otherwise. */
  payload: unknown;
}

export interface FileRef {
  url: string;
  name: string;
  size: number;
}

/** Where an OA message came from: the cs API, the template API, ZNS, or a human admin in OA Manager. */
export type OaChannel = 'cs' | 'template' | 'zns' | 'admin';

export type TranscriptKind =
  | 'text'
  | 'image'
  | 'file'
  | 'request_user_info'
  | 'template'
  | 'zns'
  | 'submit_info'
  | 'follow'
  | 'unfollow';

export interface DeliveryStatus {
  deliveryId: string;
  /** The bot's HTTP status; null while in flight or when the request failed (see error). */
  status: number | null;
  error?: string;
}

/** One line of a chat: a user message (posted to the bot) or an OA message (accepted from the bot). */
export interface TranscriptItem {
  seq: number;
  direction: 'user' | 'oa';
  /** msg_id / message_id; null for follow and unfollow, which carry none. */
  messageId: string | null;
  /** Null only for a ZNS message to a phone no simulated user has. */
  userId: string | null;
  at: number;
  kind: TranscriptKind;
  channel?: OaChannel;
  text?: string;
  buttons?: SimButton[];
  image?: { url: string; thumbnail: string };
  file?: FileRef;
  requestInfo?: { title: string; subtitle: string; imageUrl?: string };
  template?: { templateId: string; templateData: Record<string, unknown>; trackingId?: string; phone?: string };
  info?: SharedInfo;
  /** A tapped oa.query.hide button: sent to the bot, not shown in the user's own chat. */
  hidden?: boolean;
  /** For cs sends: inside 48 h of the last interaction (free) or 48 h – 7 days (billed). */
  window?: 'free' | 'paid';
  /** The JSON the bot sent, for OA messages. */
  body?: unknown;
  /** For user messages: how the bot answered the webhook. */
  delivery?: DeliveryStatus;
}

export interface SentFilter {
  userId?: string;
  channel?: OaChannel;
  kind?: TranscriptKind;
}

export interface DeliveryAttempt {
  /** 0 for the first post; re-deliveries carry it as the `num_retry` header. */
  numRetry: number;
  at: number;
  status: number | null;
  error?: string;
  durationMs: number;
  responseBody?: string;
}

export interface WebhookDelivery {
  id: string;
  eventName: string;
  userId: string | null;
  /** The exact bytes posted; re-delivery posts them again unchanged. */
  rawBody: string;
  timestamp: string;
  signatureHeader: string | null;
  /** Posted on its own by the stand-in (echo or receipt) rather than by a user action. */
  automatic: boolean;
  attempts: DeliveryAttempt[];
}

export interface WebhookResult {
  deliveryId: string;
  eventName: string;
  /** msg_id of a message event, when the event has one. */
  msgId?: string;
  status: number | null;
  error?: string;
  event: Record<string, unknown>;
}

export interface FaultInput {
  /** Exact request path such as "/v3.0/oa/message/cs"; omit (or "*") for any Zalo API path. */
  path?: string;
  /** How many calls it applies to; default 1. */
  times?: number;
  /** Answer HTTP 200 with this Zalo error code (negative), e.g. -32, -230, -213. */
  error?: number;
  message?: string;
  /** Answer with this HTTP status (e.g. 500) instead of a Zalo body. */
  httpStatus?: number;
  /** Wait this long before answering; the request is still carried out. */
  delayMs?: number;
}

export interface FaultRule {
  id: string;
  path: string | null;
  remaining: number;
  error?: number;
  message?: string;
  httpStatus?: number;
  delayMs?: number;
}

export interface ApiCallRecord {
  seq: number;
  at: number;
  method: string;
  path: string;
  accessToken: string | null;
  httpStatus: number;
  /** The Zalo `error` of the answer (0 = success); null for OAuth answers and non-JSON answers. */
  error: number | null;
  faultId?: string;
}

export interface SlowRequestRecord {
  faultId: string;
  method: string;
  path: string;
  delayMs: number;
  startedAt: number;
  /** The stand-in carried the request out (a cs message is recorded) before the delay. */
  completed: boolean;
  /** Zalo error code of the answer it had prepared (0 = success). */
  error: number | null;
  /** The client went away during the delay; the request still counts as delivered. */
  clientGone: boolean;
  answered: boolean;
  finished: boolean;
}

export interface SimState {
  appId: string;
  oaId: string;
  webhookUrl: string | null;
  echoSends: boolean;
  postReceipts: boolean;
  tokens: {
    accessToken: string | null;
    refreshToken: string | null;
    accessTokenExpiresAt: number | null;
    grantRevoked: boolean;
  };
  /** Successful refreshes since start or the last reset. */
  refreshCount: number;
  /** Every call to the OAuth endpoint, failed ones included. */
  refreshAttempts: number;
  counts: {
    users: number;
    sent: number;
    transcript: number;
    deliveries: number;
    failedDeliveries: number;
    calls: number;
    pendingFaults: number;
    slowRequests: number;
    files: number;
    znsDuplicates: number;
  };
}

/** Change notices for the chat page (Server-Sent Events). */
export type SimEvent =
  | { type: 'item'; item: TranscriptItem }
  | { type: 'user'; user: SimUser }
  | { type: 'delivery'; delivery: WebhookDelivery }
  | { type: 'state'; state: SimState }
  | { type: 'reset' };
