import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Dictionaries } from '../i18n/translator.js';
import { producerKindSchema as producerKind } from './producer-kinds.js';
import type { RuleSet } from './rule-sets.js';

/**
 * The item a business plan given in the chat stands in for ("Phương án, dự án sản xuất kinh
 * doanh"): made into a PDF for the dossier unless the producer sends a file or the commune
 * sends the item back.
 */
export const chatPlanItem = 'businessPlan';

// What a dossier needs depends on the registration kind, the product's sector and set,
// the producer's kind and the rule set in force; rules/dossier-checklists.yaml says how.

const code = z.string().regex(/^[a-z][a-zA-Z0-9]*$/);
const productKind = z.enum(['new_product', 'star_upgrade', 're_ranking']);

const conditionSchema = z.strictObject({
  kinds: z.array(productKind).min(1).optional(),
  sectors: z.array(code).min(1).optional(),
  notSectors: z.array(code).min(1).optional(),
  sets: z.array(code).min(1).optional(),
  notSets: z.array(code).min(1).optional(),
  producerKinds: z.array(producerKind).min(1).optional(),
  notProducerKinds: z.array(producerKind).min(1).optional(),
});

const itemSchema = z.strictObject({
  item: code,
  by: z.enum(['producer', 'commune']),
  need: z.enum(['required', 'optional']),
  when: conditionSchema.optional(),
  otherwise: z.literal('optional').optional(),
  /** the producer may declare, with a reason, that the law does not ask this paper of them */
  exemptible: z.boolean().default(false),
});

const fileSchema = z.strictObject({
  checklists: z.array(z.strictObject({ id: z.string().regex(/^[a-z0-9-]+$/), ruleSets: z.array(z.string()).min(1), items: z.array(itemSchema).min(1) })).min(1),
});

export type ChecklistItemRule = z.infer<typeof itemSchema>;
export interface Checklist {
  id: string;
  ruleSets: string[];
  items: ChecklistItemRule[];
}

export interface ChecklistItem {
  item: string;
  by: 'producer' | 'commune';
  need: 'required' | 'optional';
  /** a declaration that the paper is not required, with a reason, may stand in for it */
  exemptible: boolean;
}

export interface DossierSubject {
  ruleSet: string;
  kind: z.infer<typeof productKind>;
  sector: string;
  set: string;
  producerKind: z.infer<typeof producerKind>;
}

export class ChecklistError extends Error {
  override name = 'ChecklistError';
}

/** Reads and checks the checklists against the rule sets and the locales. */
export function loadChecklists(file: string, ruleSets: readonly RuleSet[], dictionaries: Dictionaries): Checklist[] {
  const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ChecklistError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const problems: string[] = [];
  const known = new Map(ruleSets.map((r) => [r.id, r]));
  const covered = new Set<string>();
  for (const checklist of parsed.data.checklists) {
    for (const id of checklist.ruleSets) {
      if (!known.has(id)) problems.push(`checklist ${checklist.id}: rule set ${id} does not exist`);
      if (covered.has(id)) problems.push(`checklist ${checklist.id}: rule set ${id} has another checklist`);
      covered.add(id);
    }
    const seen = new Set<string>();
    for (const rule of checklist.items) {
      if (seen.has(rule.item)) problems.push(`checklist ${checklist.id}: item ${rule.item} appears twice`);
      seen.add(rule.item);
      for (const [locale, dictionary] of Object.entries(dictionaries)) {
        if (dictionary[`dossier.item.${rule.item}`] === undefined) problems.push(`checklist ${checklist.id}: "dossier.item.${rule.item}" is missing from locales/${locale}.json`);
      }
      const sectors = [...(rule.when?.sectors ?? []), ...(rule.when?.notSectors ?? [])];
      for (const id of checklist.ruleSets) {
        const ruleSet = known.get(id);
        for (const sector of sectors) if (ruleSet && !ruleSet.productSets.some((p) => p.sector === sector)) problems.push(`checklist ${checklist.id}: item ${rule.item} names sector ${sector}, unknown in ${id}`);
        for (const set of [...(rule.when?.sets ?? []), ...(rule.when?.notSets ?? [])]) if (ruleSet && !ruleSet.productSets.some((p) => p.set === set)) problems.push(`checklist ${checklist.id}: item ${rule.item} names set ${set}, unknown in ${id}`);
      }
    }
  }
  for (const checklist of parsed.data.checklists) {
    for (const rule of checklist.items) if (rule.exemptible && (rule.by !== 'producer' || rule.need !== 'required')) problems.push(`checklist ${checklist.id}: item ${rule.item} is exemptible, which only a required producer item can be`);
  }
  for (const id of known.keys()) if (!covered.has(id)) problems.push(`rule set ${id} has no checklist`);
  if (problems.length > 0) throw new ChecklistError(`${file}:\n- ${[...new Set(problems)].join('\n- ')}`);
  return parsed.data.checklists;
}

function holds(condition: z.infer<typeof conditionSchema>, subject: DossierSubject): boolean {
  return (
    (!condition.kinds || condition.kinds.includes(subject.kind)) &&
    (!condition.sectors || condition.sectors.includes(subject.sector)) &&
    (!condition.notSectors || !condition.notSectors.includes(subject.sector)) &&
    (!condition.sets || condition.sets.includes(subject.set)) &&
    (!condition.notSets || !condition.notSets.includes(subject.set)) &&
    (!condition.producerKinds || condition.producerKinds.includes(subject.producerKind)) &&
    (!condition.notProducerKinds || !condition.notProducerKinds.includes(subject.producerKind))
  );
}

/** The items a dossier needs, in the order the packet presents them. */
export function checklistFor(checklists: readonly Checklist[], subject: DossierSubject): ChecklistItem[] {
  const checklist = checklists.find((c) => c.ruleSets.includes(subject.ruleSet));
  if (!checklist) throw new ChecklistError(`no checklist for rule set ${subject.ruleSet}`);
  return checklist.items.flatMap((rule) => {
    if (!rule.when || holds(rule.when, subject)) return [{ item: rule.item, by: rule.by, need: rule.need, exemptible: rule.exemptible }];
    return rule.otherwise ? [{ item: rule.item, by: rule.by, need: rule.otherwise, exemptible: rule.exemptible }] : [];
  });
}
