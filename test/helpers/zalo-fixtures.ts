import { randomInt } from 'node:crypto';
import { computeZaloSignature, formatZaloSignatureHeader } from '../../src/zalo/signature.js';

let sequence = 0;

/** A msg_id like Zalo's: a long decimal string beyond 2^53. */
export function zaloMsgId(): string {
  sequence += 1;
  return `${Date.now()}${String(sequence).padStart(6, '0')}${randomInt(1000, 9999)}`;
}

export function textEvent(options: { appId: string; userId: string; text: string; timestamp?: number; msgId?: string }) {
  return {
    app_id: options.appId,
    user_id_by_app: `byapp-${options.userId}`,
    event_name: 'user_send_text',
    timestamp: String(options.timestamp ?? Date.now()),
    sender: { id: options.userId },
    recipient: { id: 'oa-1' },
    message: { msg_id: options.msgId ?? zaloMsgId(), text: options.text },
  };
}

export function followEvent(options: { appId: string; userId: string; timestamp?: number }) {
  return {
    app_id: options.appId,
    oa_id: 'oa-1',
    user_id_by_app: `byapp-${options.userId}`,
    event_name: 'follow',
    timestamp: String(options.timestamp ?? Date.now()),
    follower: { id: options.userId },
    source: 'testing',
  };
}

/** Signs raw bytes with the production signer, as Zalo does. */
export function signedHeaders(raw: string | Buffer, options: { appId: string; secret: string; timestamp: string }): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-zevent-signature': formatZaloSignatureHeader(computeZaloSignature({ appId: options.appId, rawBody: raw, timestamp: options.timestamp, secret: options.secret })),
  };
}

export async function postSigned(url: string, event: { timestamp: string }, options: { appId: string; secret: string }): Promise<Response> {
  const raw = JSON.stringify(event);
  return fetch(url, { method: 'POST', body: raw, headers: signedHeaders(raw, { ...options, timestamp: event.timestamp }) });
}
