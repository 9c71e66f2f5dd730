import type { ProvinceSettings } from './province-settings.js';
import type { RuleSet } from './rule-sets.js';

// Scores and stars: each member scores a product out of 100 (parts A 40, B 25, C 35), the
// council takes the average, and the rule set's bands turn it into stars. Sums are kept
// in hundredths of a point, so a band is never reached by rounding: 69.99 is 3★.

export type CertifyingLevel = 'district' | 'province' | 'central';

/** Part maxima of the scoring sheet: production & community, marketing & story, quality. */
export const partMaxima = { a: 40, b: 25, c: 35 } as const;

/** A score as a whole number of hundredths of a point. */
export const hundredths = (score: number): number => Math.round(score * 100);

/** The stars of an average, decided on the exact sum: 1 plus the bands it reaches. */
export function starsFor(bands: readonly number[], sumHundredths: number, count: number): number {
  if (count <= 0) throw new RangeError('no scores');
  return 1 + bands.filter((band) => sumHundredths >= hundredths(band) * count).length;
}

/** The level whose councils certify these stars under the rule set; null when they earn no certificate. */
export function certifyingLevelFor(ruleSet: RuleSet, stars: number): CertifyingLevel | null {
  const entry = Object.entries(ruleSet.certifies).find(([, list]) => list.includes(stars));
  return entry ? (entry[0] as CertifyingLevel) : null;
}

/** The average to two decimals, cut (never rounded up into a higher band): "69.99". */
export function averageOf(sumHundredths: number, count: number): string {
  const value = Math.floor(sumHundredths / count);
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

/** The average as people read it: "72,50" in Vietnamese, "72.50" in English (already cut, so never rounded up). */
export function displayAverage(locale: string, sumHundredths: number, count: number): string {
  return new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(averageOf(sumHundredths, count)));
}

/** Whether the present members make a quorum under the province's rule (e.g. 3/4 with the chair). */
export function hasQuorum(quorum: ProvinceSettings['quorum'], voting: { personId: bigint; chair: boolean }[], present: readonly bigint[]): { ok: true } | { ok: false; reason: string } {
  const here = new Set(present);
  const chair = voting.find((v) => v.chair);
  if (quorum.chairRequired && (!chair || !here.has(chair.personId))) return { ok: false, reason: 'the chair must be present' };
  const count = voting.filter((v) => here.has(v.personId)).length;
  if (count * quorum.of < quorum.present * voting.length) return { ok: false, reason: `${count} of ${voting.length} members present; at least ${quorum.present}/${quorum.of} are needed` };
  return { ok: true };
}
