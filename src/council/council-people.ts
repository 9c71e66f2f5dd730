import type { Transaction } from '../db/database.js';
import type { CouncilPerson } from '../db/generated/client.js';
import { drawInvitationCode, normalizeInvitationCode } from '../officials/official-invitations.js';

const collisionRetries = 5;

export type LinkedCouncilPerson = CouncilPerson & { zaloUserId: string };
export type CouncilLinkOutcome = { ok: true; person: LinkedCouncilPerson } | { ok: false; reason: 'unknown' | 'expired' };

/** A code no official and no council person holds (they share one format). */
async function drawFreeCode(tx: Transaction): Promise<string> {
  for (let attempt = 0; attempt < collisionRetries; attempt += 1) {
    const code = drawInvitationCode();
    // One after the other: a transaction is one connection, which runs one query at a time.
    const official = await tx.official.findUnique({ where: { invitationCode: code }, select: { id: true } });
    const person = await tx.councilPerson.findUnique({ where: { invitationCode: code }, select: { id: true } });
    if (!official && !person) return code;
  }
  throw new Error(`no free invitation code after ${collisionRetries} draws`);
}

/** A council member, helper or secretary, with a one-time code to send the OA from their own Zalo account. */
export async function inviteCouncilPerson(
  tx: Transaction,
  input: { name: string; phone?: string | null; provinceCode: string; now: Date; ttlHours: number },
): Promise<{ person: CouncilPerson; invitationCode: string; expiresAt: Date }> {
  const expiresAt = new Date(input.now.getTime() + input.ttlHours * 3600_000);
  const invitationCode = await drawFreeCode(tx);
  const person = await tx.councilPerson.create({
    data: { name: input.name, phone: input.phone ?? null, provinceCode: input.provinceCode, invitationCode, invitationExpiresAt: expiresAt, createdAt: input.now },
  });
  return { person, invitationCode, expiresAt };
}

/** A new code for someone who lost theirs or let it expire; the old one stops working. */
export async function reinviteCouncilPerson(tx: Transaction, input: { personId: bigint; now: Date; ttlHours: number }): Promise<{ invitationCode: string; expiresAt: Date }> {
  const expiresAt = new Date(input.now.getTime() + input.ttlHours * 3600_000);
  const invitationCode = await drawFreeCode(tx);
  await tx.councilPerson.update({ where: { id: input.personId }, data: { invitationCode, invitationExpiresAt: expiresAt } });
  return { invitationCode, expiresAt };
}

/** Links the Zalo account that sent a code to the council person it was issued to; once. */
export async function linkCouncilPerson(tx: Transaction, input: { zaloUserId: string; typedCode: string; now: Date }): Promise<CouncilLinkOutcome> {
  const code = normalizeInvitationCode(input.typedCode);
  if (!code) return { ok: false, reason: 'unknown' };
  const invited = await tx.councilPerson.findUnique({ where: { invitationCode: code }, select: { id: true, invitationExpiresAt: true } });
  if (!invited) return { ok: false, reason: 'unknown' };
  if (!invited.invitationExpiresAt || invited.invitationExpiresAt <= input.now) return { ok: false, reason: 'expired' };
  const claimed = await tx.councilPerson.updateMany({ where: { id: invited.id, invitationCode: code }, data: { invitationCode: null, invitationExpiresAt: null } });
  if (claimed.count === 0) return { ok: false, reason: 'unknown' };
  // One Zalo account, one council person: a newer link moves it.
  await tx.councilPerson.updateMany({ where: { zaloUserId: input.zaloUserId, id: { not: invited.id } }, data: { zaloUserId: null, linkedAt: null } });
  const person = await tx.councilPerson.update({ where: { id: invited.id }, data: { zaloUserId: input.zaloUserId, linkedAt: input.now } });
  return { ok: true, person: { ...person, zaloUserId: input.zaloUserId } };
}
