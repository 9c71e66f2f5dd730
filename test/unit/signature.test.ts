import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeZaloSignature, verifyZaloSignature } from '../../src/zalo/signature.js';

const appId = '1234567890';
const secret = 'oa-secret';
const rawBody = Buffer.from('{"event_name":"user_send_text","timestamp":"1732320000000","message":{"text":"Xin chào"}}');
const timestamp = '1732320000000';

describe('Zalo webhook signature', () => {
  it('is the plain SHA-256 of app id, raw body, timestamp and secret', () => {
    const expected = createHash('sha256').update(`${appId}${rawBody.toString()}${timestamp}${secret}`).digest('hex');
    expect(computeZaloSignature({ appId, rawBody, timestamp, secret })).toBe(expected);
  });

  it('accepts the mac= header made from the same bytes', () => {
    const header = `mac=${computeZaloSignature({ appId, rawBody, timestamp, secret })}`;
    expect(verifyZaloSignature({ header, appId, rawBody, timestamp, secret })).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['without mac=', computeZaloSignature({ appId, rawBody, timestamp, secret })],
    ['forged', `mac=${'0'.repeat(64)}`],
    ['truncated', `mac=${computeZaloSignature({ appId, rawBody, timestamp, secret }).slice(0, 63)}`],
    ['from another secret', `mac=${computeZaloSignature({ appId, rawBody, timestamp, secret: 'other' })}`],
  ])('refuses a header that is %s', (_name, header) => {
    expect(verifyZaloSignature({ header, appId, rawBody, timestamp, secret })).toBe(false);
  });

  it('refuses a signature computed over re-serialized JSON', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString()), null, 2));
    const header = `mac=${computeZaloSignature({ appId, rawBody: pretty, timestamp, secret })}`;
    expect(verifyZaloSignature({ header, appId, rawBody, timestamp, secret })).toBe(false);
  });
});
