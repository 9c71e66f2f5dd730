import type { Transaction } from '../db/database.js';
import type { RecipientRef } from './recipients.js';
import { sendTimeFor, type NotifyTiming } from './timing.js';

// Zalo refused a reply because its person is outside the 7-day window (-230 and kin): the
// reply is held (outbound/held-messages.ts) until they write again. So that they know to
// write, they are told once per such stretch by the reminder path, which reaches a person
// outside the window by the approved template, else ZNS to their phone; with neither,
// the person stays on the officials' "Không liên lạc được" page, which already names them.

/**
 * The person the bot knows at a Zalo user id: a producer first, then a council person, then
 * an official, as the console's list of people it cannot reach names them (those with a
 * phone first, for ZNS).
 */
async function personAt(tx: Transaction, zaloUserId: string): Promise<(RecipientRef & { provinceCode: string; communeCode: string | null }) | null> {
  const producer = await tx.producer.findUnique({ where: { zaloUserId }, select: { id: true, communeCode: true, commune: { select: { provinceCode: true } } } });
  if (producer) return { kind: 'producer', id: producer.id, provinceCode: producer.commune.provinceCode, communeCode: producer.communeCode };
  const person = await tx.councilPerson.findUnique({ where: { zaloUserId }, select: { id: true, provinceCode: true } });
  if (person) return { kind: 'council_person', id: person.id, provinceCode: person.provinceCode, communeCode: null };
  const official = await tx.official.findFirst({ where: { zaloUserId, deactivatedAt: null }, select: { id: true, provinceCode: true, communeCode: true }, orderBy: { id: 'asc' } });
  if (official) return { kind: 'official', id: official.id, provinceCode: official.provinceCode, communeCode: official.communeCode };
  return null;
}

/** The notification's key for the stretch that began with held message `heldId`. */
const heldRepliesKey = (heldId: bigint): string => `heldReplies:${String(heldId)}`;

/**
 * Plans the notice for the stretch that begins with held message `held.id`, inside the
 * transaction that held it. A follower the bot knows nothing about gets none: nobody
 * could name them to an official either. Planning twice is a no-op (the key).
 */
export async function planHeldRepliesNotice(tx: Transaction, timing: NotifyTiming, held: { id: bigint; recipient: string }, now: Date): Promise<void> {
  const person = await personAt(tx, held.recipient);
  if (!person) return;
  const created = await tx.notification.createManyAndReturn({
    select: { id: true },
    data: [
      {
        key: heldRepliesKey(held.id),
        kind: 'heldReplies',
        recipientKind: person.kind,
        recipientId: person.id,
        provinceCode: person.provinceCode,
        communeCode: person.communeCode,
        dueAt: now,
        // A template or ZNS at night is refused (-234, -133) and unkind: the quiet hours hold.
        sendAt: sendTimeFor(timing, now, false),
        routine: false,
        vars: { recipient: held.recipient },
        createdAt: now,
      },
    ],
    skipDuplicates: true,
  });
  await tx.notificationEvent.createMany({ data: created.map((n) => ({ notificationId: n.id, action: 'planned', actor: 'system', at: now })) });
}
