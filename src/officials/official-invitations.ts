import { randomInt } from 'node:crypto';
import type { Transaction } from '../db/database.js';
import type { Official } from '../db/generated/client.js';
import { checkRegionScope } from './region-scope.js';

// No 0/O, 1/I/L: a code read off paper or a screen and retyped on a phone stays the same code.
const codeAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const codePattern = new RegExp(`^OCOP([${codeAlphabet}]{4})([${codeAlphabet}]{4})$`);
const collisionRetries = 5;

export type LinkedOfficial = Official & { zaloUserId: string };

export type LinkOutcome = { ok: true; official: LinkedOfficial } | { ok: false; reason: 'unknown' | 'expired' };

/** A fresh one-time code, OCOP-XXXX-XXXX; officials and council members share the format. */
export function drawInvitationCode(): string {
  const draw = () => Array.from({ length: 4 }, () => codeAlphabet.charAt(randomInt(codeAlphabet.length))).join('');
  return `OCOP-${draw()}-${draw()}`;
}

/**
 * The stored form (OCOP-XXXX-XXXX) of what someone typed, or null when it cannot be a
 * code. Case, spaces, any dash, and marks a Vietnamese keyboard may add (Ô, NFD or NFC)
 * are ignored.
 */
export function normalizeInvitationCode(typed: string): string | null {
  if (typed.length > 40) return null;
  const compact = typed
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[\s\p{Pd}\u2212_.]/gu, '');
  const match = codePattern.exec(compact);
  return match ? `OCOP-${match[1]}-${match[2]}` : null;
}

/** A cheap check for the conversation: is this message worth trying as a link code? */
export function isInvitationCodeLike(text: string): boolean {
  return normalizeInvitationCode(text) !== null;
}

/** Creates an official with a one-time code to send the OA from their own Zalo account. */
export async function inviteOfficial(
  tx: Transaction,
  input: { name: string; role: string; provinceCode: string; communeCode?: string | null; now: Date; ttlHours: number },
): Promise<{ official: Official; invitationCode: string; expiresAt: Date }> {
  const scope = await checkRegionScope(tx, input);
  const expiresAt = new Date(input.now.getTime() + input.ttlHours * 3600_000);
  for (let attempt = 0; attempt < collisionRetries; attempt += 1) {
    const invitationCode = drawInvitationCode();
    // ON CONFLICT DO NOTHING: a colliding code leaves the transaction usable for the next draw.
    const [official] = await tx.official.createManyAndReturn({
      data: [{ name: input.name, role: scope.role, provinceCode: scope.provinceCode, communeCode: scope.communeCode, invitationCode, invitationExpiresAt: expiresAt, createdAt: input.now }],
      skipDuplicates: true,
    });
    if (official) return { official, invitationCode, expiresAt };
  }
  throw new Error(`no free invitation code after ${collisionRetries} draws`);
}

/**
 * Links the Zalo account that sent a code to the code's official. The code works once.
 * A Zalo account linked to another official moves to this one: whoever holds a fresh
 * code was just given it by the province, so the newer post wins.
 */
export async function linkOfficialAccount(tx: Transaction, input: { zaloUserId: string; typedCode: string; now: Date }): Promise<LinkOutcome> {
  const code = normalizeInvitationCode(input.typedCode);
  if (!code) return { ok: false, reason: 'unknown' };
  const invited = await tx.official.findUnique({ where: { invitationCode: code }, select: { id: true, invitationExpiresAt: true } });
  if (!invited) return { ok: false, reason: 'unknown' };
  if (!invited.invitationExpiresAt || invited.invitationExpiresAt <= input.now) return { ok: false, reason: 'expired' };
  // Claim the code first: of two people sending it at once, the second finds it gone.
  const claimed = await tx.official.updateMany({ where: { id: invited.id, invitationCode: code }, data: { invitationCode: null, invitationExpiresAt: null } });
  if (claimed.count === 0) return { ok: false, reason: 'unknown' };
  await tx.official.updateMany({ where: { zaloUserId: input.zaloUserId, id: { not: invited.id } }, data: { zaloUserId: null, linkedAt: null } });
  const official = await tx.official.update({ where: { id: invited.id }, data: { zaloUserId: input.zaloUserId, linkedAt: input.now } });
  return { ok: true, official: { ...official, zaloUserId: input.zaloUserId } };
}

/**
 * Who is told of a new idea in a commune: the commune's linked officials, or the
 * province unit's when the commune has none linked yet, so no idea goes unseen.
 */
export async function linkedOfficialsFor(tx: Transaction, region: { communeCode: string; provinceCode: string }): Promise<LinkedOfficial[]> {
  const isLinked = (official: Official): official is LinkedOfficial => official.zaloUserId !== null;
  const commune = await tx.official.findMany({ where: { role: 'commune', communeCode: region.communeCode, zaloUserId: { not: null }, deactivatedAt: null }, orderBy: { id: 'asc' } });
  if (commune.length > 0) return commune.filter(isLinked);
  const province = await tx.official.findMany({ where: { role: 'province', provinceCode: region.provinceCode, zaloUserId: { not: null }, deactivatedAt: null }, orderBy: { id: 'asc' } });
  return province.filter(isLinked);
}
