import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { addDays, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { Dictionaries } from '../i18n/translator.js';
import { roundRuleSchema, type RoundRule } from './evaluation-rounds.js';
import { producerKindSchema, type ProducerKind } from './producer-kinds.js';

// Rule sets (Decisions 148, 1489, 26/2026 …) and their product classification are data in
// rules/rule-sets.yaml, so a new decision is a file change, not a code change.

const code = z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'codes are camelCase words');
const isoDate = z.iso.date();
const days = z.number().int().min(0);

const classificationSchema = z
  .array(
    z.strictObject({
      sector: code,
      /** false for products that bring no physical samples (tourism: members visit instead) */
      samples: z.boolean().default(true),
      groups: z.array(z.strictObject({ group: code, sets: z.array(code).min(1) })).min(1),
    }),
  )
  .min(1);

const fileSchema = z.strictObject({
  ruleSets: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9-]+$/),
        title: z.string().min(1),
        inForceFrom: isoDate,
        classification: z.string().min(1),
        /** council level → the star ratings its councils certify */
        certifies: z.partialRecord(z.enum(['district', 'province', 'central']), z.array(z.number().int().min(1).max(5)).min(1)),
        certificate: z.strictObject({
          validMonths: z.number().int().min(1),
          reRankingNoticeDaysBeforeExpiry: z.number().int().min(1),
          reRankingClosesDaysBeforeExpiry: z.number().int().min(1).optional(),
        }),
        /** how a re-ranking is decided: by written opinions, meeting only when they differ, within these days */
        reRanking: z.strictObject({ inWriting: z.boolean(), decideWithinDays: days }).optional(),
        rounds: z.strictObject({ province: z.array(roundRuleSchema).min(1), central: z.array(roundRuleSchema) }).optional(),
        /**
         * Dossiers filed before this rule set came into force stay under the earlier one only
         * if their evaluation is finished within these many days of that date (by kind).
         */
        transition: z
          .strictObject({
            finishWithinDays: z.strictObject({ new_product: days, star_upgrade: days, re_ranking: days }),
            /**
             * a certificate whose re-ranking window had closed when this rule set came into force
             * stays valid, once its holder files, until the result, at most these days past expiry
             */
            lateReRankingValidDaysAfterExpiry: days.optional(),
          })
          .optional(),
        /** producer kinds that may register products of the listed sectors only; unlisted kinds, any */
        sectorsByProducerKind: z.partialRecord(producerKindSchema, z.array(code).min(1)).optional(),
        /** the average from which a product has 2★, 3★, 4★ and 5★ */
        starBands: z
          .array(z.number().gt(0).max(100))
          .length(4)
          .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'bands must increase'),
      }),
    )
    .min(1),
  classifications: z.record(z.string(), classificationSchema),
});

export interface ProductSet {
  sector: string;
  group: string;
  set: string;
  /** whether the commune sends physical samples with the dossier */
  samples: boolean;
}

export interface RuleSet {
  id: string;
  title: string;
  /** yyyy-mm-dd, Vietnamese calendar date */
  inForceFrom: string;
  /** every product set, in the order of the regulation */
  productSets: ProductSet[];
  /** council level → the star ratings it certifies under this rule set */
  certifies: Partial<Record<'district' | 'province' | 'central', number[]>>;
  /** how long a certificate lasts, and when the producer hears that re-ranking is due */
  certificate: { validMonths: number; reRankingNoticeDaysBeforeExpiry: number; reRankingClosesDaysBeforeExpiry?: number | undefined };
  /** how long dossiers filed under the previous rule set may still finish under it, by kind */
  transition?: { finishWithinDays: Record<ProductKind, number>; lateReRankingValidDaysAfterExpiry?: number | undefined } | undefined;
  /** how a re-ranking is decided under this rule set, where it says */
  reRanking?: { inWriting: boolean; decideWithinDays: number } | undefined;
  /** fixed evaluation rounds a year, per council level, where the rule set has them */
  rounds?: { province: RoundRule[]; central: RoundRule[] } | undefined;
  /** the members' average from which a product has 2★, 3★, 4★ and 5★; below the first it has 1★ */
  starBands: number[];
  /** producer kinds limited to some sectors (an association: tourism only, Decision 26/2026 Art. 2.3) */
  sectorsByProducerKind: Partial<Record<ProducerKind, string[]>>;
}

export class RuleSetError extends Error {
  override name = 'RuleSetError';
}

/** Reads and checks the rule sets; any problem stops the start with one message listing them. */
export function loadRuleSets(file: string, dictionaries: Dictionaries): RuleSet[] {
  const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new RuleSetError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const problems: string[] = [];
  const classifications = new Map<string, ProductSet[]>();
  for (const [name, sectors] of Object.entries(parsed.data.classifications)) {
    const productSets = sectors.flatMap((s) => s.groups.flatMap((g) => g.sets.map((set) => ({ sector: s.sector, group: g.group, set, samples: s.samples }))));
    const seen = new Set<string>();
    for (const p of productSets) {
      if (seen.has(p.set)) problems.push(`classification ${name}: set ${p.set} appears twice`);
      seen.add(p.set);
      for (const key of [`ocop.sector.${p.sector}`, `ocop.group.${p.group}`, `ocop.set.${p.set}`]) {
        for (const [locale, dictionary] of Object.entries(dictionaries)) {
          if (dictionary[key] === undefined) problems.push(`classification ${name}: "${key}" is missing from locales/${locale}.json`);
        }
      }
    }
    classifications.set(name, productSets);
  }
  const ruleSets = parsed.data.ruleSets.map((r) => {
    const productSets = classifications.get(r.classification);
    if (!productSets) problems.push(`rule set ${r.id}: classification ${r.classification} does not exist`);
    const stars = Object.values(r.certifies).flat();
    if (new Set(stars).size !== stars.length) problems.push(`rule set ${r.id}: a star rating is certified at two levels`);
    const sectors = new Set((productSets ?? []).map((p) => p.sector));
    for (const [kind, limited] of Object.entries(r.sectorsByProducerKind ?? {})) {
      for (const sector of limited) if (!sectors.has(sector)) problems.push(`rule set ${r.id}: ${kind} is limited to sector ${sector}, which its classification does not have`);
    }
    return {
      id: r.id,
      title: r.title,
      inForceFrom: r.inForceFrom,
      productSets: productSets ?? [],
      certifies: r.certifies,
      certificate: r.certificate,
      rounds: r.rounds,
      transition: r.transition,
      reRanking: r.reRanking,
      starBands: r.starBands,
      sectorsByProducerKind: r.sectorsByProducerKind ?? {},
    };
  });
  ruleSets.forEach((r, i) => {
    const previous = ruleSets[i - 1];
    if (previous && previous.inForceFrom >= r.inForceFrom) problems.push(`rule set ${r.id}: must come into force after ${previous.id}`);
  });
  if (new Set(ruleSets.map((r) => r.id)).size !== ruleSets.length) problems.push('rule set ids must be unique');
  if (problems.length > 0) throw new RuleSetError(`${file}:\n- ${[...new Set(problems)].join('\n- ')}`);
  return ruleSets;
}

/** The rule set in force at `at`, Vietnamese date; undefined before the first one. */
export function ruleSetInForce(ruleSets: readonly RuleSet[], at: Date): RuleSet | undefined {
  const day = vietnamDateOf(at);
  return ruleSets.filter((r) => r.inForceFrom <= day).at(-1);
}

/** What a registration is for: a new product, a star upgrade, a re-ranking (Form 01). */
export type ProductKind = 'new_product' | 'star_upgrade' | 're_ranking';

/**
 * The rule set a dossier is evaluated under at `at`: the one in force when it was filed,
 * unless a later rule set has come into force since and the dossier's time under the old
 * one (the later rule set's `transition`) has run out. A dossier not filed yet follows the
 * rule set in force at `at`. The rule set follows the filing date, never the date the
 * idea was registered (Decision 26/2026, Art. 11.2 and 12.2).
 */
export function ruleSetForDossier(ruleSets: readonly RuleSet[], dossier: { filedAt: Date | null; kind: ProductKind }, at: Date): RuleSet | undefined {
  const current = ruleSetInForce(ruleSets, at);
  if (!dossier.filedAt || !current) return current;
  const filedUnder = ruleSetInForce(ruleSets, dossier.filedAt);
  if (!filedUnder || filedUnder === current) return current;
  // Only the rule set that replaced the filing one can keep a dossier under it, for its transition.
  const successor = ruleSets[ruleSets.indexOf(filedUnder) + 1];
  const within = successor?.transition?.finishWithinDays[dossier.kind];
  if (successor !== current || within === undefined) return current;
  return vietnamDateOf(at) <= addDays(successor.inForceFrom as CalendarDate, within) ? filedUnder : current;
}

export function sectorsOf(ruleSet: RuleSet): string[] {
  return [...new Set(ruleSet.productSets.map((p) => p.sector))];
}

/** The sectors a producer of this kind may register products in, in the regulation's order. */
export function sectorsOpenTo(ruleSet: RuleSet, producerKind: ProducerKind): string[] {
  const limited = ruleSet.sectorsByProducerKind[producerKind];
  return sectorsOf(ruleSet).filter((sector) => !limited || limited.includes(sector));
}

export function groupsOf(ruleSet: RuleSet, sector: string): string[] {
  return [...new Set(ruleSet.productSets.filter((p) => p.sector === sector).map((p) => p.group))];
}

export function setsOf(ruleSet: RuleSet, group: string): string[] {
  return ruleSet.productSets.filter((p) => p.group === group).map((p) => p.set);
}

export function findProductSet(ruleSet: RuleSet, set: string): ProductSet | undefined {
  return ruleSet.productSets.find((p) => p.set === set);
}
