import type { Transaction } from '../db/database.js';
import { addDocuments, openDossier, showDossierProgress, submitDossier } from '../dossier/producer-dossier.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { linkOfficialAccount } from '../officials/official-invitations.js';
import { labelCommune } from '../regions/commune-directory.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../registration/action-outcome.js';
import { describeStatus } from '../registration/describe-status.js';
import { requestOfficial } from '../registration/request-official.js';
import { saveBusinessPlan } from '../registration/save-business-plan.js';
import { saveProducerProfile } from '../registration/save-producer-profile.js';
import { submitProductIdea } from '../registration/submit-product-idea.js';

export type ConversationAction = (input: ActionInput) => Promise<ActionOutcome>;

async function regionName(tx: Transaction, official: { role: string; communeCode: string | null; provinceCode: string }): Promise<string> {
  if (official.communeCode) {
    const commune = await tx.administrativeUnit.findUnique({ where: { communeCode: official.communeCode } });
    if (commune) return labelCommune(commune);
  }
  const unit = await tx.administrativeUnit.findFirst({ where: { provinceCode: official.provinceCode } });
  return unit?.provinceName ?? official.provinceCode;
}

/** An official links this Zalo account by sending their one-time code. */
async function linkOfficial(input: ActionInput): Promise<ActionOutcome> {
  const outcome = await linkOfficialAccount(input.tx, { zaloUserId: input.userId, typedCode: String(input.answers.code ?? ''), now: input.now });
  if (!outcome.ok) return replyWith(textOf(input, 'official.linkInvalid'));
  const { official } = outcome;
  return replyWith(
    textOf(input, 'official.linked', { name: official.name, role: input.translate(input.locale, `official.role.${official.role}`), region: await regionName(input.tx, official) }),
  );
}

/** The domain handlers flows name in their action steps (and the router's effects). */
export function createConversationActions(ruleSets: readonly RuleSet[], checklists: readonly Checklist[]): Record<string, ConversationAction> {
  return {
    openDossier: (input) => openDossier(input, checklists),
    addDocuments,
    submitDossier: (input) => submitDossier(input, checklists),
    showDossierProgress: (input) => showDossierProgress(input, checklists),
    saveProducerProfile,
    submitProductIdea: (input) => submitProductIdea(input, ruleSets),
    saveBusinessPlan,
    requestOfficial,
    showStatus: describeStatus,
    linkOfficial,
  };
}
