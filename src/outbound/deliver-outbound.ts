import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { Redis } from 'ioredis';
import type { DocumentStorage } from '../storage/storage.js';
import type { Database, Transaction } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { tryAcquireRedisLock } from '../redis/redis-lock.js';
import type { ZaloButton, ZaloClient } from '../zalo/zalo-client.js';
import { ZaloApiError, ZaloTransportError, isOutsideWindowRefusal, isRetryableZaloError, zaloErrorCodes } from '../zalo/errors.js';
import { recordZaloUpload, type UploadQuota } from './upload-quota.js';
import { outgoingMessageSchema, type OutgoingButton, type OutgoingMessage } from './outgoing-message.js';

export interface OutboundDeps {
  db: Database;
  redis: Redis;
  zalo: ZaloClient;
  logger: Logger;
  metrics: Metrics;
  keyPrefix: string;
  maxAttempts: number;
  /** How long a recipient stays locked if its holder dies mid-send. */
  recipientLockMs: number;
  now: () => Date;
  /** Where stored files sent as Zalo files are read from. */
  storage?: DocumentStorage;
  /** Zalo's monthly upload quota; uploads are counted against it in Postgres when set. */
  uploadQuota?: UploadQuota;
  /**
   * Plans telling the person by another channel that replies wait for them, inside the
   * transaction that holds the first of a stretch (not those held behind it).
   */
  onHeld?: (tx: Transaction, held: { id: bigint; recipient: string }, now: Date) => Promise<void>;
  /** How an interrupted send is resolved; defaults below. */
  inDoubt?: { settleMs: number; limitMs: number };
}

/**
 * An interrupted send (timeout, dropped connection, a crash, a database error after Zalo
 * said yes) may or may not have reached Zalo. Its row stays `sending`, and it is resolved
 * from, in order: the receipt this process left in Redis; after `settleMs` (Zalo can
 * answer late and show a message in its history later still), the conversation history;
 * past `limitMs` with Zalo's history unreadable, it is marked failed as "in doubt", never
 * sent again, so that the person's later messages go on.
 */
export const defaultInDoubt = { settleMs: 15_000, limitMs: 10 * 60_000 } as const;
const receiptTtlMs = 7 * 24 * 3600_000;
/** How long a message waits behind an earlier one that is being retried. */
const waitBehindMs = 1000;

/** Not now, and not a failure: the job waits `delayMs` without spending an attempt. */
export class DeliveryDeferredError extends Error {
  override name = 'DeliveryDeferredError';
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** Another job is sending to this recipient; try again shortly, nothing is lost. */
export class RecipientBusyError extends DeliveryDeferredError {
  override name = 'RecipientBusyError';
  constructor(recipient: string) {
    super(100, `recipient ${recipient} is busy`);
  }
}

/** The send may succeed later (network, 5xx, -32); the row stays pending. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

type OutboundRow = NonNullable<Awaited<ReturnType<Database['outboundMessage']['findUnique']>>>;

function toZaloButton(button: OutgoingButton): ZaloButton {
  switch (button.action.kind) {
    case 'reply':
      return { title: button.title, type: 'oa.query.show', payload: button.action.payload };
    case 'command':
      return { title: button.title, type: 'oa.query.hide', payload: button.action.payload };
    case 'url':
      return { title: button.title, type: 'oa.open.url', payload: { url: button.action.url } };
    case 'phone':
      return { title: button.title, type: 'oa.open.phone', payload: { phone_code: button.action.phone } };
  }
}

/** ZNS tracking ids are Zalo's idempotency key: deterministic and at most 48 characters. */
export function znsTrackingId(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 48);
}

/** Zalo keeps an uploaded file about 7 days (then -100); a token is reused for less than that. */
const uploadTokenTtlSeconds = 5 * 24 * 3600;

/**
 * The upload token of a stored file, uploading it only if no worker has in the last days:
 * a meeting sends each product's PDF to every council member, and Zalo caps uploads at
 * about 5,000 a month and counts each against the rate limit. One worker uploads while the
 * others wait for its token; without Redis each worker uploads for itself.
 */
async function uploadedFileToken(deps: OutboundDeps, message: Extract<OutgoingMessage, { kind: 'file' }>, storage: DocumentStorage): Promise<{ token: string; reused: boolean }> {
  const key = `${deps.keyPrefix}:zalo:upload:${message.storageKey}`;
  const upload = async () => {
    const bytes = await buffer(await storage.get(message.storageKey));
    const token = await deps.zalo.uploadFile({ bytes, fileName: message.fileName, mimeType: message.mediaType });
    deps.metrics.zaloUploads.inc();
    if (deps.uploadQuota) {
      // Zalo has counted it: a failure to count it here is logged, never a reason to upload again.
      const usage = await recordZaloUpload(deps.db, deps.uploadQuota, deps.now()).catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'an upload could not be counted against the monthly quota');
        return undefined;
      });
      if (usage) deps.metrics.zaloUploadQuotaRemaining.set(usage.remaining);
    }
    return token;
  };
  try {
    for (let wait = 0; wait < 150; wait += 1) {
      const token = await deps.redis.get(key);
      if (token) return { token, reused: true };
      if ((await deps.redis.set(`${key}:uploading`, '1', 'PX', 30_000, 'NX')) === 'OK') {
        try {
          const uploaded = await upload();
          await deps.redis.set(key, uploaded, 'EX', uploadTokenTtlSeconds);
          return { token: uploaded, reused: false };
        } finally {
          await deps.redis.del(`${key}:uploading`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    if (error instanceof ZaloApiError || error instanceof ZaloTransportError) throw error;
    deps.logger.warn({ err: error }, 'upload tokens unavailable in Redis: uploading this file again');
  }
  return { token: await upload(), reused: false };
}

async function sendToZalo(deps: OutboundDeps, row: OutboundRow, message: OutgoingMessage): Promise<string> {
  const zalo = deps.zalo;
  switch (message.kind) {
    case 'file': {
      if (!deps.storage) throw new Error('files are sent by a worker with document storage');
      const { token, reused } = await uploadedFileToken(deps, message, deps.storage);
      try {
        return (await zalo.sendFile(row.recipient, token)).messageId;
      } catch (error) {
        // A reused token Zalo has dropped: forget it and upload once more.
        if (!reused || !(error instanceof ZaloApiError) || error.code !== zaloErrorCodes.attachmentExpired) throw error;
        await deps.redis.del(`${deps.keyPrefix}:zalo:upload:${message.storageKey}`).catch((failure: unknown) => deps.logger.warn({ err: failure }, 'could not forget an expired upload token'));
        return (await zalo.sendFile(row.recipient, (await uploadedFileToken(deps, message, deps.storage)).token)).messageId;
      }
    }
    case 'text':
      return (message.buttons?.length
        ? await zalo.sendTextWithButtons(row.recipient, message.text, message.buttons.map(toZaloButton))
        : await zalo.sendText(row.recipient, message.text)
      ).messageId;
    case 'image':
      return (await zalo.sendImage(row.recipient, { url: message.url }, message.caption)).messageId;
    case 'request_user_info':
      return (await zalo.requestUserInfo(row.recipient, message)).messageId;
    case 'template':
      return (await zalo.sendTemplateMessage(row.recipient, message.templateId, message.templateData)).messageId;
    case 'zns':
      return (await zalo.sendZns({ phone: row.recipient, templateId: message.templateId, templateData: message.templateData, trackingId: znsTrackingId(row.idempotencyKey) })).messageId;
  }
}

/**
 * After a crash mid-send the outcome is unknown. For consultation messages Zalo's
 * conversation history tells: a message from the OA to this user, of this content,
 * since the attempt started, means it went out and must not go again.
 */
async function findEarlierDelivery(zalo: ZaloClient, row: OutboundRow, message: OutgoingMessage): Promise<string | undefined> {
  if (row.channel !== 'cs' || !row.lastAttemptAt) return undefined;
  const since = row.lastAttemptAt.getTime() - 60_000; // clock skew between us and Zalo
  const history = await zalo.getRecentConversation(row.recipient, 10);
  const match = history.find((item) => {
    if (item.fromId === row.recipient || item.time < since) return false;
    if (message.kind === 'text') return item.message?.normalize('NFC') === message.text.normalize('NFC');
    return item.type !== 'text';
  });
  return match?.messageId;
}

const receiptKey = (deps: OutboundDeps, row: OutboundRow) => `${deps.keyPrefix}:outbound:receipt:${row.id}`;

/**
 * Settles a row left `sending`: 'sent' when it is known to have reached Zalo, 'failed'
 * when it cannot be known in time, 'send' when it did not reach Zalo and goes again.
 */
async function resolveInDoubt(deps: OutboundDeps, row: OutboundRow, message: OutgoingMessage, log: Logger): Promise<'sent' | 'failed' | 'send'> {
  const { settleMs, limitMs } = deps.inDoubt ?? defaultInDoubt;
  const receipt = await deps.redis.get(receiptKey(deps, row)).catch(() => null);
  if (receipt) {
    log.info('an interrupted send had reached Zalo (receipt); not sending again');
    await markSent(deps, row, receipt);
    return 'sent';
  }
  const elapsed = deps.now().getTime() - (row.lastAttemptAt?.getTime() ?? 0);
  if (elapsed < settleMs) throw new DeliveryDeferredError(settleMs - elapsed, 'an interrupted send is settling before Zalo is asked about it');
  try {
    const earlier = await findEarlierDelivery(deps.zalo, row, message);
    if (earlier) {
      log.info('an interrupted send had reached Zalo; not sending again');
      await markSent(deps, row, earlier);
      return 'sent';
    }
    return 'send';
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown';
    if (elapsed >= limitMs) {
      await markFailed(deps, row, `in doubt: an interrupted send could not be checked for ${Math.round(elapsed / 60_000)} min (${reason}); not sent again`, { inDoubt: true });
      log.warn('an interrupted send could not be checked in time: marked failed, never sent twice');
      return 'failed';
    }
    throw new RetryLaterError(`could not check an interrupted send: ${reason}`);
  }
}

async function deliverRow(deps: OutboundDeps, row: OutboundRow): Promise<void> {
  const log = deps.logger.child({ outboundId: String(row.id), channel: row.channel });
  const message = outgoingMessageSchema.parse(row.payload);

  if (row.status === 'sending' && (await resolveInDoubt(deps, row, message, log)) !== 'send') return;
  if (row.attempts >= deps.maxAttempts) {
    await markFailed(deps, row, `gave up after ${row.attempts} attempts: ${row.lastError ?? 'unknown'}`);
    return;
  }
  // Behind a held message the person cannot be reached either, and this one must not pass it.
  if (row.channel === 'cs') {
    const earlier = await deps.db.outboundMessage.findFirst({ where: { recipient: row.recipient, status: 'held', id: { lt: row.id } }, select: { errorCode: true } });
    if (earlier) {
      await markHeld(deps, row, 'held behind an earlier message Zalo refused', earlier.errorCode);
      return;
    }
  }
  await deps.db.outboundMessage.update({
    where: { id: row.id },
    data: { status: 'sending', attempts: { increment: 1 }, lastAttemptAt: deps.now() },
  });
  let messageId: string;
  try {
    messageId = await sendToZalo(deps, row, message);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    if (row.channel === 'cs' && isOutsideWindowRefusal(error)) {
      await markHeld(deps, row, reason, error.code, { first: true });
      log.info({ code: error.code }, 'Zalo refused a message outside the person\'s window: held until they write again');
      return;
    }
    if (error instanceof ZaloApiError && !isRetryableZaloError(error)) {
      await markFailed(deps, row, reason, { errorCode: error.code });
      log.warn({ code: error.code }, 'Zalo refused the message permanently');
      return;
    }
    // A timeout or a dropped connection may have reached Zalo: stay 'sending' so the next
    // attempt checks the conversation before sending again.
    const maybeDelivered = error instanceof ZaloTransportError && error.httpStatus === undefined && error.reason !== 'ECONNREFUSED';
    await deps.db.outboundMessage.update({
      where: { id: row.id },
      data: { status: maybeDelivered ? 'sending' : 'pending', lastError: reason.slice(0, 1000), errorCode: error instanceof ZaloApiError ? error.code : null },
    });
    deps.metrics.outboundResult.inc({ result: 'retry' });
    if (isRetryableZaloError(error)) throw new RetryLaterError(reason);
    throw error;
  }
  // Zalo has it. From here a failure must never lead to sending it again: the row stays
  // `sending` until it is marked sent, and the receipt in Redis settles it at once.
  await deps.redis.set(receiptKey(deps, row), messageId, 'PX', receiptTtlMs).catch((error: unknown) => log.warn({ err: error }, 'could not leave a send receipt in Redis'));
  await markSent(deps, row, messageId);
}

async function markSent(deps: OutboundDeps, row: OutboundRow, messageId: string) {
  await deps.db.outboundMessage.update({ where: { id: row.id }, data: { status: 'sent', zaloMessageId: messageId, sentAt: deps.now(), lastError: null, errorCode: null, inDoubt: false } });
  deps.metrics.outboundResult.inc({ result: 'sent' });
}

/**
 * Keeps a message Zalo refused as outside the person's window: it never reached them, and
 * goes (with everything held behind it, in order) when they next write to the OA.
 */
async function markHeld(deps: OutboundDeps, row: OutboundRow, reason: string, errorCode: number | null, stretch: { first: boolean } = { first: false }) {
  const now = deps.now();
  const data = { status: 'held' as const, lastError: reason.slice(0, 1000), errorCode, heldAt: now };
  const { onHeld } = deps;
  if (stretch.first && onHeld) {
    await deps.db.$transaction(async (tx) => {
      await tx.outboundMessage.update({ where: { id: row.id }, data });
      await onHeld(tx, { id: row.id, recipient: row.recipient }, now);
    });
  } else {
    await deps.db.outboundMessage.update({ where: { id: row.id }, data });
  }
  deps.metrics.outboundResult.inc({ result: 'held' });
}

/** `inDoubt`: it may have reached the person (see `defaultInDoubt`); `errorCode`: Zalo refused it with that code. */
async function markFailed(deps: OutboundDeps, row: OutboundRow, reason: string, outcome: { errorCode?: number; inDoubt?: boolean } = {}) {
  await deps.db.outboundMessage.update({
    where: { id: row.id },
    data: { status: 'failed', lastError: reason.slice(0, 1000), failedAt: deps.now(), inDoubt: outcome.inDoubt ?? false, ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}) },
  });
  deps.metrics.outboundResult.inc({ result: 'failed' });
}

/**
 * Delivers outbound message `messageId`. Messages to one recipient go out in the order
 * they were written: under a per-recipient lock, earlier unsent messages go first.
 * A row already sent or failed is never sent again, whatever the queue redelivers.
 */
export async function deliverOutboundMessage(deps: OutboundDeps, messageId: bigint): Promise<void> {
  const target = await deps.db.outboundMessage.findUnique({ where: { id: messageId } });
  if (!target || (target.status !== 'pending' && target.status !== 'sending')) return;

  const lock = await tryAcquireRedisLock(deps.redis, `${deps.keyPrefix}:outbound:recipient:${target.recipient}`, deps.recipientLockMs);
  if (!lock) throw new RecipientBusyError(target.recipient);
  try {
    for (;;) {
      const head = await deps.db.outboundMessage.findFirst({
        where: { recipient: target.recipient, status: { in: ['pending', 'sending'] }, id: { lte: target.id } },
        orderBy: { id: 'asc' },
      });
      if (!head) return;
      if (!(await lock.extend())) throw new RecipientBusyError(target.recipient);
      try {
        await deliverRow(deps, head);
      } catch (error) {
        // An earlier message is not settled: this one waits behind it without spending its
        // own attempts; the earlier one is retried, and resolved within its limit.
        if (head.id !== target.id && (error instanceof RetryLaterError || error instanceof DeliveryDeferredError)) {
          throw new DeliveryDeferredError(error instanceof DeliveryDeferredError ? error.delayMs : waitBehindMs, `waiting for message ${head.id} to this recipient`);
        }
        throw error;
      }
    }
  } finally {
    await lock.release();
  }
}

/**
 * Marks a row failed when the queue has used every attempt on it. A row still `sending`
 * was interrupted without being settled: it may have reached the person, so it fails in doubt.
 */
export async function abandonOutboundMessage(deps: Pick<OutboundDeps, 'db' | 'metrics' | 'now'>, messageId: bigint, reason: string): Promise<void> {
  const data = { status: 'failed' as const, lastError: reason.slice(0, 1000), failedAt: deps.now() };
  // Each update is conditional on the state it reads, so a row settled meanwhile is left alone.
  const inDoubt = await deps.db.outboundMessage.updateMany({ where: { id: messageId, status: 'sending' }, data: { ...data, inDoubt: true } });
  const unsent = await deps.db.outboundMessage.updateMany({ where: { id: messageId, status: 'pending' }, data: { ...data, inDoubt: false } });
  if (inDoubt.count + unsent.count > 0) deps.metrics.outboundResult.inc({ result: 'failed' });
}
