import { addDays, displayDate, parseCalendarDate, vietnamInstant } from '../calendar/calendar-date.js';
import type { Database, Transaction } from '../db/database.js';
import type { AssembledPacket } from '../dossier/assemble-packet.js';
import { defaultLocale, isLocale, type Locale, type Translate } from '../i18n/translator.js';
import { chooseChannel, type FallbackTemplates } from '../outbound/choose-channel.js';
import { addToOutbox } from '../outbound/outbox.js';
import { readUploadUsage } from '../outbound/upload-quota.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';

/** Zalo takes files up to 5 MB. */
const zaloFileLimitBytes = 5 * 1024 * 1024;

/**
 * A member's packet link works through the meeting day and this many days after, for the
 * minutes: a meeting locked weeks ahead would otherwise send links that die before it, and
 * for a scan over Zalo's file limit the link is the member's only copy.
 */
export const packetLinkDaysAfterMeeting = 30;

/** The end of the period a meeting's packet links must work in. */
export function meetingLinksValidUntil(meetingDate: string): Date {
  return vietnamInstant(addDays(parseCalendarDate(meetingDate), packetLinkDaysAfterMeeting + 1), '00:00');
}

export interface DistributionDeps {
  db: Database;
  translate: Translate;
  now: () => Date;
  /** The packet of a product's current dossier version (built once, kept). */
  assemble: (ideaId: bigint, actor: string) => Promise<AssembledPacket>;
  /** A signed link for one recipient, valid its usual time and at least until `validUntil`. */
  linkFor: (kind: 'packet' | 'document', id: bigint, recipient: string, validUntil?: Date) => { url: string; expiresAt: Date };
  /** Approved templates for people outside Zalo's messaging window. */
  fallbackTemplates: FallbackTemplates;
  /** Zalo's monthly upload quota: once this month's is used up, packets go as links only. */
  monthlyUploadQuota?: number;
}

/** The hidden payload of the "Đã nhận hồ sơ" button: which delivery it acknowledges. */
export function acknowledgementCommand(deliveryId: bigint): string {
  return `#ack:${deliveryId}`;
}

export function parseAcknowledgementCommand(text: string): bigint | undefined {
  const match = /^#ack:(\d{1,18})$/.exec(text.trim());
  return match ? BigInt(match[1] ?? '0') : undefined;
}

/** The "Đã nhận hồ sơ" tap, as the conversation routes it to `acknowledgeDelivery`. */
export const acknowledgementCodec = {
  action: 'acknowledgeDelivery',
  parse: (text: string) => {
    const id = parseAcknowledgementCommand(text);
    return id === undefined ? undefined : { deliveryId: String(id) };
  },
};


/**
 * Sends a meeting's dossiers to every council person: first the meeting details, then for
 * each product its packet link with a "Đã nhận hồ sơ" button, and the PDF itself when it
 * fits Zalo's 5 MB. Run again (a retry, or a
 * dossier changed since), it sends only what is new: a newer packet version goes out
 * clearly marked and the older delivery is superseded. People Zalo cannot reach are
 * recorded as unreachable and the secretary is alerted. Returns the outbox ids.
 */
export async function distributeMeeting(deps: DistributionDeps, meetingId: bigint): Promise<bigint[]> {
  const meeting = await deps.db.meeting.findUnique({ where: { id: meetingId }, include: { products: true } });
  if (!meeting || meeting.status === 'cancelled') return [];
  // Packets are built before the transaction: documents are read from storage.
  const packets = new Map<bigint, AssembledPacket>();
  for (const product of meeting.products) packets.set(product.productIdeaId, await deps.assemble(product.productIdeaId, `meeting:${meeting.id}`));

  return deps.db.$transaction(async (tx) => {
    const now = deps.now();
    await tx.$executeRaw`SELECT 1 FROM meeting WHERE id = ${meeting.id} FOR UPDATE`;
    const current = await tx.meeting.findUniqueOrThrow({ where: { id: meeting.id }, include: { council: { include: { members: { include: { person: true }, orderBy: { personId: 'asc' } } } }, products: true } });
    if (current.status === 'cancelled') return [];
    await tx.meeting.update({ where: { id: current.id }, data: { status: 'locked', distributedAt: now } });
    const ideas = await tx.productIdea.findMany({ where: { id: { in: current.products.map((p) => p.productIdeaId) } }, orderBy: { id: 'asc' } });
    const outboxIds: bigint[] = [];
    const unreachable: string[] = [];
    // With the month's uploads used up, the packet's link (in the text) is the member's copy.
    const uploadsLeft = deps.monthlyUploadQuota === undefined || !(await readUploadUsage(tx, deps.monthlyUploadQuota, now)).exhausted;
    let linksInsteadOfFiles = false;

    // Everything is read once and written in a few statements: a meeting of 50 products
    // for 11 people is 561 deliveries, and a statement each kept the lock waiting seconds
    // before the first message could leave.
    const zaloUserIds = current.council.members.flatMap(({ person }) => (person.zaloUserId ? [person.zaloUserId] : []));
    const users = new Map((await tx.zaloUser.findMany({ where: { id: { in: zaloUserIds } } })).map((u) => [u.id, u]));
    const existing = await tx.delivery.findMany({ where: { meetingId: current.id }, select: { id: true, key: true, personId: true, productIdeaId: true, packetId: true, status: true } });
    const existingKeys = new Set(existing.map((d) => d.key));
    const superseded: bigint[] = [];
    const planned: { key: string; personId: bigint; product: { ideaId: bigint; packet: AssembledPacket } | undefined; status: 'planned' | 'unreachable'; channel: string; recipient: string | undefined; compose: (deliveryId: bigint) => OutgoingMessage[] }[] = [];

    for (const { person, role } of current.council.members) {
      const user = person.zaloUserId ? users.get(person.zaloUserId) : undefined;
      const locale: Locale = user && isLocale(user.locale) ? user.locale : defaultLocale;
      const t = (key: string, vars?: Record<string, string>) => deps.translate(locale, key, vars);
      const { templateId, znsTemplateId } = deps.fallbackTemplates;
      const channel = chooseChannel({ zaloUserId: person.zaloUserId, phone: person.phone, lastInteractionAt: user?.lastInteractionAt ?? null }, deps.fallbackTemplates, now);
      const reachable = channel.kind !== 'none';
      if (!reachable) unreachable.push(person.name);
      const templateFor = (vars: Record<string, string>): OutgoingMessage[] =>
        channel.kind === 'template' && templateId
          ? [{ kind: 'template', templateId, templateData: vars }]
          : channel.kind === 'zns' && znsTemplateId
            ? [{ kind: 'zns', templateId: znsTemplateId, templateData: vars }]
            : [];

      const plan = (key: string, product: { ideaId: bigint; packet: AssembledPacket } | undefined, compose: (deliveryId: bigint) => OutgoingMessage[]) => {
        if (existingKeys.has(key)) return;
        planned.push({ key, personId: person.id, product, status: reachable ? 'planned' : 'unreachable', channel: channel.kind, recipient: channel.kind === 'none' ? undefined : channel.recipient, compose });
      };

      // A template carries each product on its own; the details text is for the chat (and
      // recorded as unreachable for someone nobody can reach).
      if (channel.kind === 'cs' || channel.kind === 'none') {
        plan(`${current.id}:${person.id}:details`, undefined, () => [
          {
            kind: 'text',
            text: t('meeting.details', {
              name: person.name,
              role: t(`council.role.${role}`),
              council: current.council.name,
              date: displayDate(current.date),
              time: current.time,
              place: current.place,
              count: String(ideas.length),
            }),
          },
        ]);
      }
      for (const idea of ideas) {
        const packet = packets.get(idea.id);
        if (!packet) continue;
        const earlier = existing.filter((d) => d.personId === person.id && d.productIdeaId === idea.id && d.packetId !== packet.id && d.status !== 'superseded');
        superseded.push(...earlier.map((d) => d.id));
        const link = channel.kind === 'none' ? undefined : deps.linkFor('packet', packet.id, person.zaloUserId ?? `person:${person.id}`, meetingLinksValidUntil(current.date));
        plan(`${current.id}:${person.id}:${idea.id}:${packet.id}`, { ideaId: idea.id, packet }, (deliveryId) => {
          const vars = { product: idea.productName, receipt: idea.receiptNumber, version: String(packet.version), pages: String(packet.pageCount), sha256: packet.sha256, link: link?.url ?? '' };
          if (channel.kind !== 'cs') return templateFor({ name: person.name, council: current.council.name, date: displayDate(current.date), product: idea.productName, version: String(packet.version), link: link?.url ?? '' });
          const button = t('meeting.acknowledgeButton');
          const text: OutgoingMessage = { kind: 'text', text: t(earlier.length > 0 ? 'meeting.packetUpdated' : 'meeting.packet', vars), buttons: [{ title: button, action: { kind: 'command', payload: acknowledgementCommand(deliveryId) } }] };
          // The PDF itself too, when it fits Zalo's file limit: readable without the link.
          if (packet.sizeBytes > zaloFileLimitBytes) return [text];
          if (!uploadsLeft) {
            linksInsteadOfFiles = true;
            return [text];
          }
          return [text, { kind: 'file', storageKey: packet.storageKey, fileName: `ho-so-${idea.id}-v${packet.version}.pdf`, mediaType: 'application/pdf' }];
        });
      }
    }

    if (superseded.length > 0) await tx.delivery.updateMany({ where: { id: { in: superseded } }, data: { status: 'superseded', supersededAt: now } });
    const created = planned.length === 0 ? [] : await tx.delivery.createManyAndReturn({
      data: planned.map((p) => ({
        key: p.key,
        meetingId: current.id,
        personId: p.personId,
        productIdeaId: p.product?.ideaId ?? null,
        packetId: p.product?.packet.id ?? null,
        packetVersion: p.product?.packet.version ?? null,
        packetSha256: p.product?.packet.sha256 ?? null,
        status: p.status,
        channel: p.channel,
        createdAt: now,
      })),
      select: { id: true, key: true },
    });
    const deliveryIdOf = new Map(created.map((d) => [d.key, d.id]));
    // One outbox write in the planned order, so each person's messages keep their order.
    const entries = planned.flatMap((p) => {
      const deliveryId = deliveryIdOf.get(p.key);
      if (deliveryId === undefined) throw new Error(`delivery ${p.key} was not recorded`);
      const recipient = p.recipient;
      if (recipient === undefined) return [];
      return p.compose(deliveryId).map((message, i) => ({ deliveryId, entry: { idempotencyKey: `delivery:${deliveryId}:${i}`, recipient, message } }));
    });
    outboxIds.push(...(await addToOutbox(tx, entries.map((e) => e.entry), now)));
    if (entries.length > 0) {
      const written = await tx.outboundMessage.findMany({ where: { idempotencyKey: { in: entries.map((e) => e.entry.idempotencyKey) } }, select: { id: true, idempotencyKey: true } });
      const outboxIdOf = new Map(written.map((w) => [w.idempotencyKey, w.id]));
      const idsByDelivery = new Map<bigint, string[]>();
      for (const { deliveryId, entry } of entries) {
        const id = outboxIdOf.get(entry.idempotencyKey);
        if (id !== undefined) idsByDelivery.set(deliveryId, [...(idsByDelivery.get(deliveryId) ?? []), String(id)]);
      }
      const rows = JSON.stringify([...idsByDelivery].map(([id, ids]) => ({ id: String(id), ids })));
      await tx.$executeRaw`
        UPDATE delivery d SET outbound_ids = m.ids
        FROM (SELECT (e->>'id')::bigint AS id, ARRAY(SELECT jsonb_array_elements_text(e->'ids')::bigint) AS ids FROM jsonb_array_elements(${rows}::jsonb) e) m
        WHERE d.id = m.id`;
    }
    if (unreachable.length > 0) outboxIds.push(...(await alertSecretaries(tx, deps.translate, current, unreachable, now)));
    if (linksInsteadOfFiles) outboxIds.push(...(await tellSecretariesLinksOnly(tx, deps.translate, current, now)));
    return outboxIds;
  });
}

type MeetingWithSecretaries = { id: bigint; date: string; council: { name: string; members: { role: string; person: { zaloUserId: string | null } }[] } };

/** Writes one text to each of the council's linked secretaries, in their language; `key` names what it is about. */
async function tellSecretaries(tx: Transaction, translate: Translate, meeting: MeetingWithSecretaries, key: string, text: { key: string; vars: Record<string, string> }, now: Date): Promise<bigint[]> {
  const secretaries = meeting.council.members.filter((m) => m.role === 'secretary' && m.person.zaloUserId).map((m) => m.person.zaloUserId ?? '');
  const users = await tx.zaloUser.findMany({ where: { id: { in: secretaries } }, select: { id: true, locale: true } });
  const localeOf = new Map(users.map((u) => [u.id, isLocale(u.locale) ? u.locale : defaultLocale]));
  return addToOutbox(
    tx,
    secretaries.map((recipient) => ({
      idempotencyKey: `meeting:${meeting.id}:${key.replace('{recipient}', recipient)}`,
      recipient,
      message: { kind: 'text', text: translate(localeOf.get(recipient) ?? defaultLocale, text.key, text.vars) },
    })),
    now,
  );
}

/** Tells the council's secretaries, at once, whom Zalo cannot reach. */
function alertSecretaries(tx: Transaction, translate: Translate, meeting: MeetingWithSecretaries, names: string[], now: Date): Promise<bigint[]> {
  return tellSecretaries(tx, translate, meeting, `unreachable:{recipient}:${names.join('|')}`, { key: 'meeting.unreachable', vars: { council: meeting.council.name, date: displayDate(meeting.date), names: names.join(', ') } }, now);
}

/** Tells the council's secretaries that the month's upload quota is used up: members get links, not PDF files. */
function tellSecretariesLinksOnly(tx: Transaction, translate: Translate, meeting: MeetingWithSecretaries, now: Date): Promise<bigint[]> {
  return tellSecretaries(tx, translate, meeting, 'uploadQuota:{recipient}', { key: 'meeting.uploadQuotaExhausted', vars: { council: meeting.council.name, date: displayDate(meeting.date) } }, now);
}
