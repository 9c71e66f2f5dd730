import type { RecipientKind } from '../db/generated/client.js';
import type { Transaction } from '../db/database.js';
import { defaultLocale, isLocale, type Locale } from '../i18n/translator.js';
import type { Reachability } from '../outbound/choose-channel.js';

// Who a notification is for, and who stands above them when they cannot be reached or
// do not act: a producer → the commune's officials → the province unit.

export interface Recipient extends Reachability {
  kind: RecipientKind;
  id: bigint;
  name: string;
  locale: Locale;
  provinceCode: string;
  communeCode: string | null;
}

export type RecipientRef = { kind: RecipientKind; id: bigint };

async function reachOf(tx: Transaction, zaloUserId: string | null): Promise<{ locale: Locale; lastInteractionAt: Date | null }> {
  const user = zaloUserId ? await tx.zaloUser.findUnique({ where: { id: zaloUserId }, select: { locale: true, lastInteractionAt: true } }) : null;
  return { locale: user && isLocale(user.locale) ? user.locale : defaultLocale, lastInteractionAt: user?.lastInteractionAt ?? null };
}

/** The person behind a notification, as the OA can reach them now; null when they are gone. */
export async function resolveRecipient(tx: Transaction, ref: RecipientRef): Promise<Recipient | null> {
  switch (ref.kind) {
    case 'producer': {
      const producer = await tx.producer.findUnique({ where: { id: ref.id }, include: { commune: true } });
      if (!producer) return null;
      return { kind: ref.kind, id: ref.id, name: producer.name, zaloUserId: producer.zaloUserId, phone: producer.phone, provinceCode: producer.commune.provinceCode, communeCode: producer.communeCode, ...(await reachOf(tx, producer.zaloUserId)) };
    }
    case 'official': {
      const official = await tx.official.findUnique({ where: { id: ref.id } });
      // A deactivated official is no longer told anything: their notices are cancelled.
      if (!official || official.deactivatedAt !== null) return null;
      return { kind: ref.kind, id: ref.id, name: official.name, zaloUserId: official.zaloUserId, phone: null, provinceCode: official.provinceCode, communeCode: official.communeCode, ...(await reachOf(tx, official.zaloUserId)) };
    }
    case 'council_person': {
      const person = await tx.councilPerson.findUnique({ where: { id: ref.id } });
      if (!person) return null;
      return { kind: ref.kind, id: ref.id, name: person.name, zaloUserId: person.zaloUserId, phone: person.phone, provinceCode: person.provinceCode, communeCode: null, ...(await reachOf(tx, person.zaloUserId)) };
    }
    case 'certified_producer': {
      const certified = await tx.certifiedProduct.findUnique({ where: { id: ref.id } });
      if (!certified) return null;
      // A producer with a profile in the bot is reached there; otherwise by phone only.
      const producer = certified.producerId ? await tx.producer.findUnique({ where: { id: certified.producerId } }) : null;
      const zaloUserId = producer?.zaloUserId ?? null;
      return { kind: ref.kind, id: ref.id, name: producer?.name ?? certified.producerName, zaloUserId, phone: producer?.phone ?? certified.producerPhone, provinceCode: certified.provinceCode, communeCode: certified.communeCode, ...(await reachOf(tx, zaloUserId)) };
    }
  }
}

/** The officials one level up: 1 → the commune's (the province unit when it has none), 2 → the province unit's. */
export async function officialsAt(tx: Transaction, region: { provinceCode: string; communeCode: string | null }, level: 1 | 2): Promise<{ id: bigint }[]> {
  if (level === 1 && region.communeCode) {
    const commune = await tx.official.findMany({ where: { role: 'commune', communeCode: region.communeCode, deactivatedAt: null }, select: { id: true }, orderBy: { id: 'asc' } });
    if (commune.length > 0) return commune;
  }
  return tx.official.findMany({ where: { role: 'province', provinceCode: region.provinceCode, deactivatedAt: null }, select: { id: true }, orderBy: { id: 'asc' } });
}

/**
 * Whom to tell that `recipient` cannot be reached: the commune's officials for a producer,
 * the province unit for an official, the councils' secretaries (or the province unit)
 * for a council person. Only people the OA has linked can be told.
 */
export async function whoToTell(tx: Transaction, recipient: Recipient): Promise<RecipientRef[]> {
  const linked = { zaloUserId: { not: null } };
  if (recipient.kind === 'council_person') {
    const secretaries = await tx.councilMember.findMany({
      where: { role: 'secretary', personId: { not: recipient.id }, person: linked, council: { members: { some: { personId: recipient.id } } } },
      select: { personId: true },
      distinct: ['personId'],
      orderBy: { personId: 'asc' },
    });
    if (secretaries.length > 0) return secretaries.map((s) => ({ kind: 'council_person' as const, id: s.personId }));
  }
  const fromCommune = recipient.kind === 'producer' || recipient.kind === 'certified_producer';
  if (fromCommune && recipient.communeCode) {
    const commune = await tx.official.findMany({ where: { role: 'commune', communeCode: recipient.communeCode, deactivatedAt: null, ...linked }, select: { id: true }, orderBy: { id: 'asc' } });
    if (commune.length > 0) return commune.map((o) => ({ kind: 'official' as const, id: o.id }));
  }
  const province = await tx.official.findMany({
    where: { role: 'province', provinceCode: recipient.provinceCode, deactivatedAt: null, ...linked, ...(recipient.kind === 'official' ? { id: { not: recipient.id } } : {}) },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  return province.map((o) => ({ kind: 'official' as const, id: o.id }));
}
