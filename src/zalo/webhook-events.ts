import { createHash } from 'node:crypto';
import { z } from 'zod';

// Shapes of Zalo OA webhook events. Ids and timestamps are strings: ids exceed 2^53.

const id = z.string().min(1);
// Zalo sends the timestamp as a string of epoch milliseconds; accept a number too.
const epochMs = z.union([z.string().regex(/^\d{10,16}$/), z.number().int().positive()]).transform(String);

const party = z.object({ id }).loose();

const attachment = z
  .object({
    type: z.string(),
    payload: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const userMessageNames = [
  'user_send_text',
  'user_send_image',
  'user_send_file',
  'user_send_link',
  'user_send_location',
  'user_send_sticker',
  'user_send_audio',
  'user_send_video',
  'user_send_gif',
  'user_send_business_card',
] as const;

const userMessageEvent = z
  .object({
    event_name: z.enum(userMessageNames),
    app_id: z.string().optional(),
    timestamp: epochMs,
    sender: party,
    recipient: party,
    user_id_by_app: z.string().optional(),
    message: z
      .object({
        msg_id: id,
        text: z.string().optional(),
        attachments: z.array(attachment).optional(),
      })
      .loose(),
  })
  .loose();

const followEvent = z
  .object({
    event_name: z.enum(['follow', 'unfollow']),
    app_id: z.string().optional(),
    oa_id: z.string().optional(),
    timestamp: epochMs,
    follower: party,
    source: z.string().optional(),
    user_id_by_app: z.string().optional(),
  })
  .loose();

const submitInfoEvent = z
  .object({
    event_name: z.literal('user_submit_info'),
    app_id: z.string().optional(),
    timestamp: epochMs,
    sender: party,
    recipient: party,
    info: z.record(z.string(), z.unknown()),
  })
  .loose();

const receiptEvent = z
  .object({
    event_name: z.enum(['user_received_message', 'user_seen_message']),
    app_id: z.string().optional(),
    timestamp: epochMs,
    sender: party,
    recipient: party,
    message: z.object({ msg_ids: z.array(id).optional(), tracking_id: z.string().optional() }).loose(),
  })
  .loose();

// Echoes of messages the OA sent (ours, or typed by a human admin): recorded, never user input.
const oaEchoEvent = z
  .object({
    event_name: z.string().regex(/^oa_send_/),
    app_id: z.string().optional(),
    timestamp: epochMs,
    sender: party.optional(),
    recipient: party.optional(),
    message: z.object({ msg_id: id.optional() }).loose().optional(),
  })
  .loose();

/** A webhook event reduced to what the bot uses; the raw payload stays in the database. */
export type ZaloEvent =
  | { kind: 'user_message'; name: string; timestamp: string; userId: string; msgId: string; text: string | undefined; attachments: { type: string; payload: Record<string, unknown> }[] }
  | { kind: 'follow' | 'unfollow'; name: string; timestamp: string; userId: string }
  | { kind: 'submit_info'; name: string; timestamp: string; userId: string; info: Record<string, unknown> }
  | { kind: 'receipt'; name: 'user_received_message' | 'user_seen_message'; timestamp: string; userId: string; msgIds: string[] }
  | { kind: 'oa_echo'; name: string; timestamp: string; userId: string | undefined; msgId: string | undefined };

export const zaloEventSchema: z.ZodType<ZaloEvent, unknown> = z.union([
  userMessageEvent.transform((e) => ({
    kind: 'user_message' as const,
    name: e.event_name,
    timestamp: e.timestamp,
    userId: e.sender.id,
    msgId: e.message.msg_id,
    text: e.message.text,
    attachments: (e.message.attachments ?? []).map((a) => ({ type: a.type, payload: a.payload ?? {} })),
  })),
  followEvent.transform((e) => ({ kind: e.event_name, name: e.event_name, timestamp: e.timestamp, userId: e.follower.id })),
  submitInfoEvent.transform((e) => ({ kind: 'submit_info' as const, name: e.event_name, timestamp: e.timestamp, userId: e.sender.id, info: e.info })),
  receiptEvent.transform((e) => ({ kind: 'receipt' as const, name: e.event_name, timestamp: e.timestamp, userId: e.sender.id, msgIds: e.message.msg_ids ?? [] })),
  oaEchoEvent.transform((e) => ({ kind: 'oa_echo' as const, name: e.event_name, timestamp: e.timestamp, userId: e.recipient?.id, msgId: e.message?.msg_id })),
]);

const knownNames = new Set<string>([
  ...userMessageNames,
  'follow',
  'unfollow',
  'user_submit_info',
  'user_received_message',
  'user_seen_message',
]);

export function isKnownZaloEventName(name: string): boolean {
  return knownNames.has(name) || name.startsWith('oa_send_');
}

/** The key that makes a redelivery a no-op: msg_id for messages, a digest of the raw body otherwise. */
export function zaloEventKey(event: ZaloEvent, rawBody: Buffer): string {
  const msgId = event.kind === 'user_message' || event.kind === 'oa_echo' ? event.msgId : undefined;
  return msgId ? `msg:${msgId}` : zaloBodyKey(rawBody);
}

export function zaloBodyKey(rawBody: Buffer): string {
  return `body:${createHash('sha256').update(rawBody).digest('hex')}`;
}
