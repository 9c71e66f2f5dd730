import type { Transaction } from '../db/database.js';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import { linkedOfficialsFor } from '../officials/official-invitations.js';
import { labelCommune } from '../regions/commune-directory.js';
import type { Notice } from '../conversation/action-outcome.js';

/**
 * A notice to each official who looks after a commune, each in their own language.
 * Empty when nobody is linked yet.
 */
export async function noticesToOfficials(tx: Transaction, translate: Translate, region: { communeCode: string; provinceCode: string }, key: string, vars: Record<string, string>): Promise<Notice[]> {
  const officials = await linkedOfficialsFor(tx, region);
  if (officials.length === 0) return [];
  const users = await tx.zaloUser.findMany({ where: { id: { in: officials.map((o) => o.zaloUserId) } }, select: { id: true, locale: true } });
  const localeOf = new Map(users.map((u) => [u.id, isLocale(u.locale) ? u.locale : defaultLocale]));
  return officials.map((o) => ({ recipient: o.zaloUserId, message: { kind: 'text', text: translate(localeOf.get(o.zaloUserId) ?? defaultLocale, key, vars) } }));
}

/** "Xã Tân Phú, Đồng Nai" for a commune code. */
export async function communeLabel(tx: Transaction, communeCode: string): Promise<{ label: string; provinceCode: string }> {
  const unit = await tx.administrativeUnit.findUnique({ where: { communeCode } });
  if (!unit) throw new Error(`commune ${communeCode} is not in the administrative units`);
  return { label: labelCommune(unit), provinceCode: unit.provinceCode };
}
