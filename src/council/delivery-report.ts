import type { Database } from '../db/database.js';

export interface DeliveryReportRow {
  person: string;
  role: string;
  /** null for the meeting details */
  product: string | null;
  packetVersion: number | null;
  packetSha256: string | null;
  channel: string;
  /** planned deliveries read how far they got from their messages */
  status: 'queued' | 'sent' | 'received' | 'seen' | 'acknowledged' | 'unreachable' | 'superseded' | 'failed';
  sentAt: Date | null;
  receivedAt: Date | null;
  seenAt: Date | null;
  acknowledgedAt: Date | null;
}

/** Every message of a delivery has the stamp: then the delivery has it, at the last one. */
function whenAll(stamps: (Date | null)[]): Date | null {
  if (stamps.length === 0 || stamps.some((s) => s === null)) return null;
  return new Date(Math.max(...stamps.map((s) => s?.getTime() ?? 0)));
}

/**
 * Proof of delivery for a meeting: for each person and product, the packet version and
 * its SHA-256, and when it was sent, received, seen and acknowledged — read from the
 * outbox rows and Zalo's receipts, never from what the bot meant to do.
 */
export async function reportMeetingDeliveries(db: Database, meetingId: bigint): Promise<DeliveryReportRow[]> {
  const deliveries = await db.delivery.findMany({ where: { meetingId }, orderBy: [{ personId: 'asc' }, { id: 'asc' }] });
  const [members, ideas, messages] = await Promise.all([
    db.councilMember.findMany({ where: { council: { meetings: { some: { id: meetingId } } } }, include: { person: true } }),
    db.productIdea.findMany({ where: { id: { in: deliveries.flatMap((d) => (d.productIdeaId ? [d.productIdeaId] : [])) } }, select: { id: true, productName: true } }),
    db.outboundMessage.findMany({ where: { id: { in: deliveries.flatMap((d) => d.outboundIds) } } }),
  ]);
  const memberOf = new Map(members.map((m) => [m.personId, m]));
  const productOf = new Map(ideas.map((i) => [i.id, i.productName]));
  const messageOf = new Map(messages.map((m) => [m.id, m]));
  return deliveries.map((d) => {
    const rows = d.outboundIds.flatMap((id) => messageOf.get(id) ?? []);
    const sentAt = whenAll(rows.map((m) => m.sentAt));
    const receivedAt = whenAll(rows.map((m) => m.receivedAt));
    const seenAt = whenAll(rows.map((m) => m.seenAt));
    const status: DeliveryReportRow['status'] =
      d.status !== 'planned' ? d.status : rows.some((m) => m.status === 'failed') ? 'failed' : seenAt ? 'seen' : receivedAt ? 'received' : sentAt ? 'sent' : 'queued';
    const member = memberOf.get(d.personId);
    return {
      person: member?.person.name ?? String(d.personId),
      role: member?.role ?? 'member',
      product: d.productIdeaId ? (productOf.get(d.productIdeaId) ?? String(d.productIdeaId)) : null,
      packetVersion: d.packetVersion,
      packetSha256: d.packetSha256,
      channel: d.channel,
      status,
      sentAt,
      receivedAt,
      seenAt,
      acknowledgedAt: d.acknowledgedAt,
    };
  });
}
