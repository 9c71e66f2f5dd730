import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, Transaction } from '../db/database.js';
import type { Official } from '../db/generated/client.js';

// Officials sign in to the console through the OA: a linked official writes "đăng nhập"
// in the chat and receives a one-time link, bound to that Zalo account. Opening it starts a
// server-side session; the browser holds only the session's random id. An official the
// province deactivates loses access at their next request.

export interface ConsoleAuthSettings {
  /** how long a sign-in link may be opened */
  linkTtlMs: number;
  /** at most this many links per official in `linkWindowMs` */
  linksPerWindow: number;
  linkWindowMs: number;
  /** a session unused this long ends */
  idleMs: number;
  /** and none lasts longer than this */
  maxAgeMs: number;
}

export const defaultConsoleAuth: ConsoleAuthSettings = {
  linkTtlMs: 10 * 60_000,
  linksPerWindow: 5,
  linkWindowMs: 10 * 60_000,
  idleMs: 2 * 3600_000,
  maxAgeMs: 12 * 3600_000,
};

export type SignInLinkOutcome = { kind: 'link'; token: string; expiresAt: Date; official: Official } | { kind: 'not_official' } | { kind: 'deactivated' } | { kind: 'too_many'; retryAt: Date };

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

/** The official linked to this Zalo account, active or not. */
export function officialOfZaloUser(tx: Transaction, zaloUserId: string): Promise<Official | null> {
  return tx.official.findUnique({ where: { zaloUserId } });
}

/** Issues a one-time sign-in link for the official linked to `zaloUserId`, within the rate limit. */
export async function issueSignInLink(tx: Transaction, input: { zaloUserId: string; now: Date; settings: ConsoleAuthSettings }): Promise<SignInLinkOutcome> {
  const official = await officialOfZaloUser(tx, input.zaloUserId);
  if (!official) return { kind: 'not_official' };
  if (official.deactivatedAt) return { kind: 'deactivated' };
  // One official's requests are counted one at a time.
  await tx.$executeRaw`SELECT 1 FROM official WHERE id = ${official.id} FOR UPDATE`;
  const since = new Date(input.now.getTime() - input.settings.linkWindowMs);
  const recent = await tx.consoleSignIn.findMany({ where: { officialId: official.id, createdAt: { gt: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
  if (recent.length >= input.settings.linksPerWindow) {
    return { kind: 'too_many', retryAt: new Date(recent[0]!.createdAt.getTime() + input.settings.linkWindowMs) };
  }
  const token = newSecret();
  const expiresAt = new Date(input.now.getTime() + input.settings.linkTtlMs);
  await tx.consoleSignIn.create({ data: { tokenHash: digest(token), officialId: official.id, zaloUserId: input.zaloUserId, createdAt: input.now, expiresAt } });
  return { kind: 'link', token, expiresAt, official };
}

export interface StartedSession {
  /** the cookie value; only its SHA-256 is stored */
  sessionId: string;
  /** the session's row id, as the action log names it */
  id: bigint;
  csrfToken: string;
  expiresAt: Date;
  official: Official;
}

/**
 * Opens a sign-in link: once, before it expires, for an official still linked to the Zalo
 * account that asked for it and not deactivated. Anything else is refused without saying
 * which, so a guessed or forwarded link teaches nothing.
 */
export async function redeemSignInLink(db: Database, input: { token: string; now: Date; settings: ConsoleAuthSettings }): Promise<StartedSession | null> {
  return db.$transaction(async (tx) => {
    const signIn = await tx.consoleSignIn.findUnique({ where: { tokenHash: digest(input.token) }, include: { official: true } });
    if (!signIn || signIn.usedAt || signIn.expiresAt <= input.now) return null;
    // Conditional: two openings of the same link at once start one session.
    const { count } = await tx.consoleSignIn.updateMany({ where: { id: signIn.id, usedAt: null }, data: { usedAt: input.now } });
    if (count === 0) return null;
    const official = signIn.official;
    if (official.deactivatedAt || official.zaloUserId !== signIn.zaloUserId) return null;
    const sessionId = newSecret();
    const csrfToken = newSecret();
    const expiresAt = new Date(input.now.getTime() + input.settings.maxAgeMs);
    const session = await tx.consoleSession.create({ data: { idHash: digest(sessionId), officialId: official.id, csrfToken, createdAt: input.now, lastSeenAt: input.now, expiresAt } });
    return { sessionId, id: session.id, csrfToken, expiresAt, official };
  });
}

export interface ConsoleSessionState {
  id: bigint;
  csrfToken: string;
  official: Official;
}

/** The live session behind a cookie value: not ended, not idle too long, its official active. */
export async function findSession(db: Database, input: { sessionId: string; now: Date; settings: ConsoleAuthSettings }): Promise<ConsoleSessionState | null> {
  const session = await db.consoleSession.findUnique({ where: { idHash: digest(input.sessionId) }, include: { official: true } });
  if (!session || session.endedAt || session.expiresAt <= input.now) return null;
  if (input.now.getTime() - session.lastSeenAt.getTime() > input.settings.idleMs) return null;
  if (session.official.deactivatedAt) return null;
  // Stamped at most once a minute: a page's requests do not each write.
  if (input.now.getTime() - session.lastSeenAt.getTime() > 60_000) await db.consoleSession.update({ where: { id: session.id }, data: { lastSeenAt: input.now } });
  return { id: session.id, csrfToken: session.csrfToken, official: session.official };
}

export async function endSession(db: Database, input: { id: bigint; now: Date }): Promise<void> {
  await db.consoleSession.updateMany({ where: { id: input.id, endedAt: null }, data: { endedAt: input.now } });
}

/** A form's CSRF token against the session's, in constant time. */
export function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
