import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Links to packets and documents: signed, expiring, and issued to one recipient, so a
// link shows whose it is and a changed link is refused. The token is the payload and its
// HMAC-SHA256, both base64url; nothing in it is secret, nothing in it can be altered.

const payloadSchema = z.strictObject({
  /** what the link opens: a "packet" or a "document", or a member's "scoring" sheets of a meeting; and its id */
  kind: z.enum(['packet', 'document', 'scoring']),
  id: z.string().regex(/^\d+$/),
  /** who it was issued to: a Zalo user id (or "person:<id>"), or "admin-token:<token id>" */
  to: z.string().min(1).max(200),
  /** expiry, epoch seconds */
  exp: z.number().int().positive(),
});

export type LinkPayload = z.infer<typeof payloadSchema>;

export type LinkCheck = { ok: true; payload: LinkPayload } | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong_recipient' };

/**
 * The recipient of a link issued to an admin API token: its id, never its name, which
 * another token may carry (names are unique among live tokens only).
 */
export function adminTokenRecipient(tokenId: bigint): string {
  return `admin-token:${tokenId}`;
}

function sign(data: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`ocop-link:${data}`).digest();
}

export function signLink(payload: LinkPayload, secret: string): string {
  const data = Buffer.from(JSON.stringify(payloadSchema.parse(payload))).toString('base64url');
  return `${data}.${sign(data, secret).toString('base64url')}`;
}

/**
 * Checks a token: its signature, its expiry at `now`, and, when the caller knows who is
 * asking, that the link was issued to them.
 */
export function verifyLink(token: string, secret: string, now: Date, expected: { kind: LinkPayload['kind']; requester?: string }): LinkCheck {
  const [data, mac, extra] = token.split('.');
  if (!data || !mac || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(data) || !/^[A-Za-z0-9_-]+$/.test(mac)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(mac, 'base64url');
  const wanted = sign(data, secret);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'forged' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const payload = payloadSchema.safeParse(json);
  if (!payload.success || payload.data.kind !== expected.kind) return { ok: false, reason: 'malformed' };
  if (payload.data.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  if (expected.requester !== undefined && expected.requester !== payload.data.to) return { ok: false, reason: 'wrong_recipient' };
  return { ok: true, payload: payload.data };
}

/**
 * Issues links at `baseUrl`: valid `ttlHours` from now, or until `validUntil` when that is
 * later (a council member's packet must still open on the meeting day).
 */
export function createLinkIssuer(options: { secret: string; ttlHours: number; baseUrl: string; now: () => Date }) {
  return (kind: LinkPayload['kind'], id: bigint, recipient: string, validUntil?: Date): { url: string; expiresAt: Date } => {
    const usual = options.now().getTime() + options.ttlHours * 3600_000;
    const expiresAt = new Date(Math.max(usual, validUntil?.getTime() ?? 0));
    const token = signLink({ kind, id: String(id), to: recipient, exp: Math.floor(expiresAt.getTime() / 1000) }, options.secret);
    return { url: `${options.baseUrl}/${kind}s/${token}`, expiresAt };
  };
}
