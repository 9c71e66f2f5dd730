import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { handleInboundEvent, type InboundDeps } from '../../src/conversation/handle-inbound-event.js';
import type { Database } from '../../src/db/database.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { followEvent, textEvent } from './zalo-fixtures.js';

/**
 * Words only the code knows: every locale key, and the codes that end them (form01,
 * rawFood, communeProposal…). A person must never read one; each is a missing
 * translation or an item shown by its code.
 */
const localeKeys = Object.keys(JSON.parse(readFileSync(join(import.meta.dirname, '../../locales/vi.json'), 'utf8')) as Record<string, string>);
const internalCodes = new Set(localeKeys.map((key) => key.split('.').at(-1) ?? '').filter((code) => /[a-z][A-Z]|[a-zA-Z]\d|\d[a-zA-Z]/.test(code)));

/** The internal keys or codes a text shows, links left aside. */
export function internalKeysIn(text: string): string[] {
  const words = text.replace(/https?:\/\/\S+/g, ' ');
  const keys = localeKeys.filter((key) => words.includes(key));
  const codes = (words.match(/[A-Za-z0-9]+/g) ?? []).filter((word) => internalCodes.has(word));
  return [...keys, ...codes];
}

/** What a person saw: each message's text, with its buttons as "[title]" lines. Fails on an internal key. */
export function renderMessage(payload: unknown): string {
  const message = outgoingMessageSchema.parse(payload);
  const rendered =
    message.kind === 'text' ? [message.text, ...(message.buttons ?? []).map((b) => `[${b.title}]`)].join('\n') : message.kind === 'request_user_info' ? `<form: ${message.title}>` : `<${message.kind}>`;
  const leaked = internalKeysIn(message.kind === 'request_user_info' ? `${message.title} ${message.subtitle}` : rendered);
  if (leaked.length > 0) throw new Error(`a message shows internal keys (${leaked.join(', ')}):\n${rendered}`);
  return rendered;
}

/**
 * Plays conversations through the real inbound handler and Postgres: each line is
 * recorded as Zalo would deliver it, handled, and answered with what reached the outbox.
 */
export function createTranscriptDriver(db: Database, deps: () => InboundDeps) {
  let lastSeen = 0n;

  async function record(userId: string, eventName: string, payload: object, at: Date) {
    return db.inboundEvent.create({ data: { eventKey: `test:${randomUUID()}`, eventName, userId, zaloTimestamp: at, receivedAt: at, payload } });
  }

  async function repliesSince(since: bigint, recipient: string): Promise<string[]> {
    const rows = await db.outboundMessage.findMany({ where: { recipient, id: { gt: since } }, orderBy: { id: 'asc' } });
    return rows.map((row) => renderMessage(row.payload));
  }

  async function handle(userId: string, eventName: string, payload: object): Promise<string[]> {
    const since = lastSeen;
    const now = deps().now();
    const row = await record(userId, eventName, payload, now);
    await handleInboundEvent(deps(), row.id, async () => undefined);
    const latest = await db.outboundMessage.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    lastSeen = latest?.id ?? lastSeen;
    return repliesSince(since, userId);
  }

  return {
    /** The person types `text`; returns what the bot answered. */
    say(userId: string, text: string): Promise<string[]> {
      return handle(userId, 'user_send_text', textEvent({ appId: 'test-app', userId, text, timestamp: deps().now().getTime() }));
    },
    follow(userId: string): Promise<string[]> {
      return handle(userId, 'follow', followEvent({ appId: 'test-app', userId, timestamp: deps().now().getTime() }));
    },
    /** The person submits Zalo's share-your-details form. */
    share(userId: string, info: Record<string, string>): Promise<string[]> {
      const at = deps().now().getTime();
      return handle(userId, 'user_submit_info', { app_id: 'test-app', event_name: 'user_submit_info', timestamp: String(at), sender: { id: userId }, recipient: { id: 'oa-1' }, info });
    },
    /** The person sends photos or files (one message); returns what the bot answered at once. */
    sendFiles(userId: string, files: { type: 'image' | 'file'; url: string; name?: string }[]): Promise<string[]> {
      const at = deps().now().getTime();
      const eventName = files.every((f) => f.type === 'image') ? 'user_send_image' : 'user_send_file';
      const attachments = files.map((f) => ({ type: f.type, payload: f.type === 'image' ? { url: f.url, thumbnail: f.url } : { url: f.url, name: f.name ?? 'tep.pdf', size: '1', type: 'pdf', checksum: 'x' } }));
      return handle(userId, eventName, { app_id: 'test-app', event_name: eventName, timestamp: String(at), sender: { id: userId }, recipient: { id: 'oa-1' }, message: { msg_id: randomUUID(), attachments } });
    },
    /** What reached the person since the last line (replies of background work, such as file intake). */
    async collect(userId: string): Promise<string[]> {
      const since = lastSeen;
      const latest = await db.outboundMessage.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
      lastSeen = latest?.id ?? lastSeen;
      return repliesSince(since, userId);
    },
    /** Plays lines in turn; returns the whole transcript ("> line" for the person). */
    async play(userId: string, lines: string[]): Promise<string[]> {
      const transcript: string[] = [];
      for (const line of lines) transcript.push(`> ${line}`, ...(await this.say(userId, line)));
      return transcript;
    },
    /** Messages that reached someone else (officials) since the driver started. */
    async sentTo(recipient: string): Promise<string[]> {
      return repliesSince(0n, recipient);
    },
    record,
  };
}
