import type { Transaction } from '../db/database.js';
import { ruleSetForDossier, type ProductKind, type RuleSet } from '../ocop/rule-sets.js';

/** When the producer first filed the dossier with the commune; null while it is being collected. */
export async function dossierFiledAt(tx: Transaction, dossierId: bigint): Promise<Date | null> {
  const first = await tx.dossierEvent.findFirst({ where: { dossierId, action: 'submitted' }, orderBy: { id: 'asc' }, select: { at: true } });
  return first?.at ?? null;
}

/** The rule set an idea's dossier is evaluated under at `at`, from its filing date (see ruleSetForDossier). */
export async function ruleSetOfDossier(tx: Transaction, ruleSets: readonly RuleSet[], idea: { id: bigint; kind: ProductKind; dossier: { id: bigint } | null }, at: Date): Promise<RuleSet> {
  const filedAt = idea.dossier ? await dossierFiledAt(tx, idea.dossier.id) : null;
  const ruleSet = ruleSetForDossier(ruleSets, { filedAt, kind: idea.kind }, at);
  if (!ruleSet) throw new Error(`no rule set is in force for idea ${idea.id} on ${at.toISOString()}`);
  return ruleSet;
}
