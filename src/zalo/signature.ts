import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Zalo signs a webhook as `X-ZEvent-Signature: mac=<hex>` where hex is the plain
 * SHA-256 (not HMAC) of app_id + raw body + timestamp (from the body) + secret.
 * The raw bytes matter: re-serialized JSON never matches.
 */
export function computeZaloSignature(input: {
  appId: string;
  rawBody: Buffer | string;
  timestamp: string;
  secret: string;
}): string {
  return createHash('sha256')
    .update(input.appId)
    .update(input.rawBody)
    .update(input.timestamp)
    .update(input.secret)
    .digest('hex');
}

export function formatZaloSignatureHeader(hex: string): string {
  return `mac=${hex}`;
}

/** Constant-time check of a header value against the expected digest. */
export function verifyZaloSignature(input: {
  header: string | undefined;
  appId: string;
  rawBody: Buffer;
  timestamp: string;
  secret: string;
}): boolean {
  const match = /^mac=([0-9a-fA-F]{64})$/.exec(input.header?.trim() ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1].toLowerCase(), 'hex');
  const expected = Buffer.from(computeZaloSignature(input), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
