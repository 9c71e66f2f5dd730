import { performance } from 'node:perf_hooks';
import { computeZaloSignature, formatZaloSignatureHeader } from '../../src/zalo/signature.js';
import { SimInputError } from './sim-input-error.js';
import type { SimStore } from './sim-store.js';
import type { DeliveryAttempt, WebhookDelivery, WebhookResult } from './sim-types.js';

export interface WebhookPosterOptions {
  appId: string;
  oaSecretKey: string;
  timeoutMs: number;
}

export interface RawWebhookInput {
  /** An event object; serialized once, and those bytes are signed and posted. */
  body?: Record<string, unknown>;
  /** Exact bytes to post instead of `body` (for malformed or hand-written payloads). */
  rawBody?: string;
  /** Replace the computed `X-ZEvent-Signature` value; null posts no signature header. */
  signatureHeader?: string | null;
}

const RESPONSE_PREVIEW_CHARS = 500;

/**
 * Signs and posts webhooks to the bot, and keeps every delivery so it can be
 * shown, asserted on and re-delivered byte for byte.
 */
export function createWebhookPoster(store: SimStore, options: WebhookPosterOptions) {
  let deliveryNumber = 0;
  let orderedQueue: Promise<void> = Promise.resolve();
  let queued = 0;
  let idleWaiters: Array<() => void> = [];
  // Numbered when a retry starts, so concurrent re-deliveries never share a num_retry.
  const retriesIssued = new Map<string, number>();

  function prepare(
    event: Record<string, unknown>,
    meta: { userId: string | null; automatic: boolean },
    override: Omit<RawWebhookInput, 'body'> = {},
  ): WebhookDelivery {
    const rawBody = override.rawBody ?? JSON.stringify(event);
    const timestamp = typeof event['timestamp'] === 'string' ? event['timestamp'] : '';
    const signatureHeader =
      override.signatureHeader !== undefined
        ? override.signatureHeader
        : formatZaloSignatureHeader(
            computeZaloSignature({ appId: options.appId, rawBody, timestamp, secret: options.oaSecretKey }),
          );
    deliveryNumber += 1;
    const delivery: WebhookDelivery = {
      id: `dlv-${deliveryNumber}`,
      eventName: typeof event['event_name'] === 'string' ? event['event_name'] : 'unknown',
      userId: meta.userId,
      rawBody,
      timestamp,
      signatureHeader,
      automatic: meta.automatic,
      attempts: [],
    };
    store.addDelivery(delivery);
    return delivery;
  }

  async function attempt(delivery: WebhookDelivery, numRetry: number): Promise<DeliveryAttempt> {
    const url = store.getWebhookUrl();
    const startedAt = performance.now();
    const at = store.clock.now();
    let result: DeliveryAttempt;
    if (!url) {
      result = { numRetry, at, status: null, error: 'no webhook URL configured', durationMs: 0 };
    } else {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (delivery.signatureHeader !== null) headers['x-zevent-signature'] = delivery.signatureHeader;
      if (numRetry > 0) headers['num_retry'] = String(numRetry);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: delivery.rawBody,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await response.text();
        result = {
          numRetry,
          at,
          status: response.status,
          durationMs: Math.round(performance.now() - startedAt),
          responseBody: text.slice(0, RESPONSE_PREVIEW_CHARS),
        };
      } catch (error) {
        result = { numRetry, at, status: null, error: describeFetchError(error, options.timeoutMs), durationMs: Math.round(performance.now() - startedAt) };
      }
    }
    store.recordAttempt(delivery, result);
    return result;
  }

  function toResult(delivery: WebhookDelivery, event: Record<string, unknown>, last: DeliveryAttempt): WebhookResult {
    const message = event['message'];
    const msgId =
      typeof message === 'object' && message !== null && 'msg_id' in message && typeof message.msg_id === 'string'
        ? message.msg_id
        : undefined;
    return {
      deliveryId: delivery.id,
      eventName: delivery.eventName,
      ...(msgId !== undefined ? { msgId } : {}),
      status: last.status,
      ...(last.error !== undefined ? { error: last.error } : {}),
      event,
    };
  }

  /** Posts now and resolves with the bot's answer. */
  async function deliver(
    event: Record<string, unknown>,
    meta: { userId: string | null },
    override?: Omit<RawWebhookInput, 'body'>,
  ): Promise<WebhookResult> {
    const delivery = prepare(event, { userId: meta.userId, automatic: false }, override);
    const last = await attempt(delivery, 0);
    return toResult(delivery, event, last);
  }

  /** Posts after everything queued before it, so an echo always precedes its receipt. */
  function deliverInOrder(event: Record<string, unknown>, meta: { userId: string | null }): void {
    const delivery = prepare(event, { userId: meta.userId, automatic: true });
    queued += 1;
    orderedQueue = orderedQueue
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => attempt(delivery, 0))
      .then(
        () => settleQueued(),
        () => settleQueued(),
      );
  }

  function settleQueued(): void {
    queued -= 1;
    if (queued === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Posts the exact bytes of an earlier delivery again, with `num_retry`, as Zalo's retries do. */
  async function redeliver(deliveryId: string): Promise<WebhookResult> {
    const delivery = store.getDelivery(deliveryId);
    if (!delivery) throw new SimInputError(`unknown delivery ${deliveryId}`);
    const numRetry = (retriesIssued.get(delivery.id) ?? 0) + 1;
    retriesIssued.set(delivery.id, numRetry);
    const last = await attempt(delivery, numRetry);
    return toResult(delivery, parseEvent(delivery.rawBody), last);
  }

  function whenIdle(): Promise<void> {
    if (queued === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return { deliver, deliverInOrder, redeliver, whenIdle };
}

export type WebhookPoster = ReturnType<typeof createWebhookPoster>;

function parseEvent(rawBody: string): Record<string, unknown> {
  try {
    const event: unknown = JSON.parse(rawBody);
    return isRecord(event) ? event : {};
  } catch {
    return {};
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
      return `${error.message} (${cause.code})`;
    }
    return error.message;
  }
  return String(error);
}
