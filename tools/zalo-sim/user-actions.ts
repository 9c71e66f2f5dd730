import { extname } from 'node:path';
import { normalizePhone, type SimStore } from './sim-store.js';
import { SimInputError } from './sim-input-error.js';
import type { SharedInfo, SimUser, TranscriptItem, TranscriptKind, WebhookResult } from './sim-types.js';
import {
  buildEchoEvent,
  buildFollowEvent,
  buildReceiptEvent,
  buildSubmitInfoEvent,
  buildUserMessageEvent,
  type EventContext,
} from './webhook-events.js';
import type { RawWebhookInput, WebhookPoster } from './webhook-poster.js';

export interface UploadInput {
  data: Buffer;
  filename?: string;
  contentType?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  txt: 'text/plain; charset=utf-8',
};

/** File extension without the dot, lower case: what Zalo puts in a file payload's `type`. */
export function fileExtension(name: string): string {
  return extname(name).slice(1).toLowerCase();
}

export function contentTypeFor(name: string, declared?: string | null): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  return CONTENT_TYPES[fileExtension(name)] ?? 'application/octet-stream';
}

/**
 * What a Zalo user (or a human OA admin) can do; each posts a signed webhook to
 * the bot and resolves with the bot's HTTP status.
 */
export function createUserActions(store: SimStore, poster: WebhookPoster, publicUrl: () => string) {
  function context(): EventContext {
    return { appId: store.config.appId, oaId: store.config.oaId, timestamp: String(store.clock.now()) };
  }

  function fileUrl(fileId: string): string {
    return `${publicUrl()}/sim/files/${fileId}`;
  }

  async function postUserEvent(
    user: SimUser,
    event: Record<string, unknown>,
    item: Omit<TranscriptItem, 'seq' | 'userId' | 'direction' | 'at'>,
  ): Promise<WebhookResult> {
    const stored = store.addItem({ ...item, direction: 'user', userId: user.id, at: store.clock.now() });
    const result = await poster.deliver(event, { userId: user.id });
    store.updateItem(stored.seq, {
      delivery: {
        deliveryId: result.deliveryId,
        status: result.status,
        ...(result.error !== undefined ? { error: result.error } : {}),
      },
    });
    return result;
  }

  async function sendMessage(
    userId: string,
    eventName: string,
    kind: TranscriptKind,
    message: Record<string, unknown>,
    item: Partial<TranscriptItem>,
    displayName?: string,
  ): Promise<WebhookResult> {
    const user = store.ensureUser(userId, displayName);
    store.touchUser(user);
    const msgId = store.nextMessageId();
    const event = buildUserMessageEvent(context(), user, eventName, { msg_id: msgId, ...message });
    return postUserEvent(user, event, { ...item, kind, messageId: msgId });
  }

  function userSendText(
    userId: string,
    text: string,
    options: { displayName?: string; hidden?: boolean } = {},
  ): Promise<WebhookResult> {
    return sendMessage(
      userId,
      'user_send_text',
      'text',
      { text },
      { text, ...(options.hidden ? { hidden: true } : {}) },
      options.displayName,
    );
  }

  function userSendImage(
    userId: string,
    image: UploadInput & { caption?: string },
    options: { displayName?: string } = {},
  ): Promise<WebhookResult> {
    const name = image.filename ?? 'anh.jpg';
    const file = store.storeFile({ name, contentType: contentTypeFor(name, image.contentType), data: image.data, origin: 'user' });
    const url = fileUrl(file.id);
    const thumbnail = `${url}?thumbnail=1`;
    const caption = image.caption?.trim() ? image.caption : undefined;
    return sendMessage(
      userId,
      'user_send_image',
      'image',
      {
        ...(caption !== undefined ? { text: caption } : {}),
        attachments: [{ type: 'image', payload: { url, thumbnail } }],
      },
      { image: { url, thumbnail }, ...(caption !== undefined ? { text: caption } : {}) },
      options.displayName,
    );
  }

  function userSendFile(
    userId: string,
    upload: UploadInput & { filename: string },
    options: { displayName?: string } = {},
  ): Promise<WebhookResult> {
    const file = store.storeFile({
      name: upload.filename,
      contentType: contentTypeFor(upload.filename, upload.contentType),
      data: upload.data,
      origin: 'user',
    });
    const url = fileUrl(file.id);
    return sendMessage(
      userId,
      'user_send_file',
      'file',
      {
        attachments: [
          {
            type: 'file',
            payload: {
              url,
              name: upload.filename,
              size: String(upload.data.length),
              type: fileExtension(upload.filename),
              checksum: file.checksum,
            },
          },
        ],
      },
      { file: { url, name: upload.filename, size: upload.data.length } },
      options.displayName,
    );
  }

  function userFollow(userId: string, options: { displayName?: string; source?: string } = {}): Promise<WebhookResult> {
    const user = store.ensureUser(userId, options.displayName);
    user.following = true;
    store.touchUser(user);
    const event = buildFollowEvent(context(), user, 'follow', options.source ?? 'oa_profile');
    return postUserEvent(user, event, { kind: 'follow', messageId: null });
  }

  function userUnfollow(userId: string): Promise<WebhookResult> {
    const user = store.ensureUser(userId);
    store.setUser(userId, { following: false });
    const event = buildFollowEvent(context(), user, 'unfollow', 'oa_profile');
    return postUserEvent(user, event, { kind: 'unfollow', messageId: null });
  }

  function userSubmitInfo(userId: string, info: SharedInfo): Promise<WebhookResult> {
    const user = store.ensureUser(userId);
    const normalized: SharedInfo = { ...info, ...(info.phone ? { phone: normalizePhone(info.phone) } : {}) };
    user.sharedInfo = { ...user.sharedInfo, ...normalized };
    if (normalized.phone) user.phone = normalized.phone;
    store.touchUser(user);
    const event = buildSubmitInfoEvent(context(), user, normalized);
    return postUserEvent(user, event, { kind: 'submit_info', messageId: null, info: normalized });
  }

  function postReceipt(
    userId: string,
    eventName: 'user_received_message' | 'user_seen_message',
    msgIds: string[] | undefined,
  ): Promise<WebhookResult> {
    const user = store.ensureUser(userId);
    const ids = msgIds ?? store.unseenOaMessageIds(userId);
    if (ids.length === 0) throw new SimInputError(`no OA message to ${userId} to acknowledge`);
    if (eventName === 'user_seen_message') store.markSeen(ids);
    return poster.deliver(buildReceiptEvent(context(), user, eventName, ids), { userId });
  }

  function userReceived(userId: string, msgIds?: string[]): Promise<WebhookResult> {
    return postReceipt(userId, 'user_received_message', msgIds);
  }

  /** Without ids: every OA message to the user not yet marked seen. */
  function userSeen(userId: string, msgIds?: string[]): Promise<WebhookResult> {
    return postReceipt(userId, 'user_seen_message', msgIds);
  }

  /**
   * Taps a button of an OA message, as the Zalo app does: oa.query.show / hide send
   * their payload as the user's text (hide keeps it out of the user's own chat);
   * the other types stay on the phone and resolve with null.
   */
  async function userTapButton(
    userId: string,
    button: { title: string; messageId?: string },
  ): Promise<WebhookResult | null> {
    const candidates = store
      .getSent({ userId })
      .filter((m) => button.messageId === undefined || m.messageId === button.messageId)
      .reverse();
    for (const message of candidates) {
      const found = message.buttons?.find((b) => b.title === button.title);
      if (!found) continue;
      if ((found.type === 'oa.query.show' || found.type === 'oa.query.hide') && typeof found.payload === 'string') {
        return userSendText(userId, found.payload, { hidden: found.type === 'oa.query.hide' });
      }
      return null;
    }
    throw new SimInputError(`no button titled "${button.title}" in messages to ${userId}`);
  }

  /** A human admin typing in OA Manager: shows in the chat and is echoed, never a bot send. */
  function adminSendText(userId: string, text: string): TranscriptItem {
    const user = store.ensureUser(userId);
    const messageId = store.nextMessageId();
    const item = store.addItem({
      direction: 'oa',
      channel: 'admin',
      kind: 'text',
      messageId,
      userId,
      at: store.clock.now(),
      text,
    });
    if (store.config.echoSends) {
      poster.deliverInOrder(buildEchoEvent(context(), user, 'oa_send_text', { msg_id: messageId, text }), { userId });
    }
    return item;
  }

  /** Signs and posts any body (or exact bytes), for payloads the helpers above do not make. */
  function postWebhook(input: RawWebhookInput): Promise<WebhookResult> {
    const { rawBody, signatureHeader } = input;
    const body = input.body ?? parseJsonObject(rawBody);
    return poster.deliver(body, { userId: null }, {
      ...(rawBody !== undefined ? { rawBody } : {}),
      ...(signatureHeader !== undefined ? { signatureHeader } : {}),
    });
  }

  return {
    userSendText,
    userSendImage,
    userSendFile,
    userFollow,
    userUnfollow,
    userSubmitInfo,
    userReceived,
    userSeen,
    userTapButton,
    adminSendText,
    postWebhook,
  };
}

export type UserActions = ReturnType<typeof createUserActions>;

function parseJsonObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
  } catch {
    return {};
  }
}
