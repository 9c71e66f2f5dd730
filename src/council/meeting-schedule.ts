import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { defaultLocale, isLocale } from '../i18n/translator.js';
import { addToOutbox } from '../outbound/outbox.js';
import { reportMeetingDeliveries } from './delivery-report.js';
import { distributeMeeting, type DistributionDeps } from './distribute-meeting.js';
import { displayPhone } from '../text/phone.js';
import type { Logger } from '../observability/logger.js';

export interface MeetingScheduleDeps extends DistributionDeps {
  /** Distribute this long before the deadline at the latest, leaving time for retries. */
  distributeBeforeDeadlineMs: number;
  /** Packets of scheduled meetings built ahead per run, so that locking only sends (default 5). */
  packetsAheadPerRun?: number;
  logger: Pick<Logger, 'warn'>;
}

/**
 * Builds the packets of scheduled meetings' products before anyone locks them, nearest
 * deadline first and a few per run so the sweep stays short. A packet is kept per dossier
 * version, so the lock (or the deadline's distribution) finds them built and only sends:
 * on 50 products, building took most of the time from the lock to the last delivery. A
 * dossier that cannot be packed yet is left for the lock, which reports it.
 */
async function preparePackets(deps: MeetingScheduleDeps): Promise<void> {
  let budget = deps.packetsAheadPerRun ?? 5;
  const unpacked = await deps.db.$queryRaw<{ ideaId: bigint }[]>`
    SELECT DISTINCT mp.product_idea_id AS "ideaId", m.delivery_deadline
    FROM meeting m JOIN meeting_product mp ON mp.meeting_id = m.id JOIN dossier d ON d.product_idea_id = mp.product_idea_id
    WHERE m.status = 'scheduled'
      AND NOT EXISTS (SELECT 1 FROM dossier_packet p WHERE p.dossier_id = d.id AND p.version = d.version)
    ORDER BY m.delivery_deadline, mp.product_idea_id
    LIMIT ${budget * 4}`;
  for (const { ideaId } of unpacked) {
    if (budget <= 0) return;
    budget -= 1;
    try {
      await deps.assemble(ideaId, 'meeting-schedule');
    } catch (error) {
      deps.logger.warn({ err: error, ideaId: String(ideaId) }, 'a scheduled product could not be packed ahead; the lock will try again');
    }
  }
}


/**
 * Run by the periodic sweep. Meetings whose deadline is near are distributed even if
 * nobody locked them; a locked meeting not yet held whose dossier changed since is
 * distributed again, which sends only the new version; a send refused for good alerts
 * the secretary; at the deadline the secretaries get a summary of who has the dossiers.
 * Returns the outbox ids to enqueue.
 */
export async function runMeetingSchedule(deps: MeetingScheduleDeps): Promise<bigint[]> {
  const now = deps.now();
  const today = vietnamDateOf(now);
  const due = await deps.db.meeting.findMany({
    where: { status: 'scheduled', deliveryDeadline: { lte: new Date(now.getTime() + deps.distributeBeforeDeadlineMs) } },
    select: { id: true },
    orderBy: { deliveryDeadline: 'asc' },
  });
  // A distributed meeting is sent again only when one of its dossiers changed since.
  const locked = await deps.db.meeting.findMany({ where: { status: 'locked', date: { gte: today } }, include: { products: true } });
  for (const meeting of locked) {
    const changed = await deps.db.dossierEvent.count({
      where: { at: { gt: meeting.distributedAt ?? new Date(0) }, action: { not: 'packet_built' }, dossier: { productIdeaId: { in: meeting.products.map((p) => p.productIdeaId) } } },
    });
    if (changed > 0) due.push({ id: meeting.id });
  }
  const outboxIds: bigint[] = [];
  for (const meeting of due) outboxIds.push(...(await distributeMeeting(deps, meeting.id)));
  await preparePackets(deps);

  // A message Zalo refused for good (blocked OA, no such user…) before the deadline: the
  // secretary is told at once, once per delivery, so someone can call the member.
  const open = await deps.db.meeting.findMany({ where: { status: 'locked', deliveryDeadline: { gt: now } }, select: { id: true } });
  const failing = await deps.db.delivery.findMany({ where: { failureAlertedAt: null, status: 'planned', meetingId: { in: open.map((m) => m.id) } }, take: 200 });
  for (const delivery of failing) {
    const failed = await deps.db.outboundMessage.findFirst({ where: { id: { in: delivery.outboundIds }, status: 'failed' } });
    if (!failed) continue;
    outboxIds.push(...(await alertFailedDelivery(deps, delivery.id, failed.lastError ?? '', now)));
  }

  const ended = await deps.db.meeting.findMany({ where: { status: 'locked', deliveryDeadline: { lte: now }, summarySentAt: null }, include: { council: { include: { members: { include: { person: true } } } } } });
  for (const meeting of ended) {
    const rows = (await reportMeetingDeliveries(deps.db, meeting.id)).filter((r) => r.product !== null && r.status !== 'superseded');
    const count = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).length;
    const notReached = [...new Set(rows.filter((r) => ['unreachable', 'failed', 'queued'].includes(r.status)).map((r) => r.person))];
    const vars = {
      council: meeting.council.name,
      date: displayDate(meeting.date),
      total: String(rows.length),
      reached: String(count(['sent', 'received', 'seen', 'acknowledged'])),
      acknowledged: String(count(['acknowledged'])),
      notReached: notReached.length > 0 ? notReached.join(', ') : '—',
    };
    outboxIds.push(
      ...(await deps.db.$transaction(async (tx) => {
        const claimed = await tx.meeting.updateMany({ where: { id: meeting.id, summarySentAt: null }, data: { summarySentAt: now } });
        if (claimed.count === 0) return [];
        const secretaries = meeting.council.members.filter((m) => m.role === 'secretary' && m.person.zaloUserId).map((m) => m.person.zaloUserId ?? '');
        const users = await tx.zaloUser.findMany({ where: { id: { in: secretaries } }, select: { id: true, locale: true } });
        const localeOf = new Map(users.map((u) => [u.id, isLocale(u.locale) ? u.locale : defaultLocale]));
        return addToOutbox(
          tx,
          secretaries.map((recipient) => ({ idempotencyKey: `meeting:${meeting.id}:summary:${recipient}`, recipient, message: { kind: 'text', text: deps.translate(localeOf.get(recipient) ?? defaultLocale, 'meeting.summary', vars) } })),
          now,
        );
      })),
    );
  }
  return outboxIds;
}

async function alertFailedDelivery(deps: MeetingScheduleDeps, deliveryId: bigint, reason: string, now: Date): Promise<bigint[]> {
  return deps.db.$transaction(async (tx) => {
    const claimed = await tx.delivery.updateMany({ where: { id: deliveryId, failureAlertedAt: null }, data: { failureAlertedAt: now } });
    if (claimed.count === 0) return [];
    const delivery = await tx.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
    const meeting = await tx.meeting.findUniqueOrThrow({ where: { id: delivery.meetingId }, include: { council: { include: { members: { include: { person: true } } } } } });
    const person = meeting.council.members.find((m) => m.personId === delivery.personId)?.person;
    const idea = delivery.productIdeaId ? await tx.productIdea.findUnique({ where: { id: delivery.productIdeaId } }) : null;
    const secretaries = meeting.council.members.filter((m) => m.role === 'secretary' && m.person.zaloUserId && m.personId !== delivery.personId).map((m) => m.person.zaloUserId ?? '');
    const users = await tx.zaloUser.findMany({ where: { id: { in: secretaries } }, select: { id: true, locale: true } });
    const localeOf = new Map(users.map((u) => [u.id, isLocale(u.locale) ? u.locale : defaultLocale]));
    return addToOutbox(
      tx,
      secretaries.map((recipient) => {
        const locale = localeOf.get(recipient) ?? defaultLocale;
        const vars = { name: person?.name ?? '', phone: person?.phone ? displayPhone(person.phone) : '—', product: idea?.productName ?? deps.translate(locale, 'report.delivery.meetingDetails'), date: displayDate(meeting.date), reason: reason.slice(0, 200) };
        return { idempotencyKey: `delivery:${deliveryId}:failed:${recipient}`, recipient, message: { kind: 'text' as const, text: deps.translate(locale, 'meeting.deliveryFailed', vars) } };
      }),
      now,
    );
  });
}
