import { displayVietnamDateTime } from '../calendar/calendar-date.js';
import { issueSignInLink, type ConsoleAuthSettings } from '../console/console-auth.js';
import type { Transaction } from '../db/database.js';
import { addDocuments, declareExemption, openDossier, showDossierProgress, submitDossier } from '../dossier/producer-dossier.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { linkCouncilPerson } from '../council/council-people.js';
import { linkOfficialAccount } from '../officials/official-invitations.js';
import { remindLater } from '../notify/remind-later.js';
import type { NotifyTiming } from '../notify/timing.js';
import { labelCommune } from '../regions/commune-directory.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome, type ConversationAction } from '../conversation/action-outcome.js';
import { describeStatus } from '../dossier/describe-status.js';
import { requestOfficial, warnNoOfficial } from '../registration/request-official.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import { saveBusinessPlan } from '../registration/save-business-plan.js';
import { saveProducerProfile } from '../registration/save-producer-profile.js';
import { submitProductIdea } from '../registration/submit-product-idea.js';


async function regionName(tx: Transaction, official: { role: string; communeCode: string | null; provinceCode: string }): Promise<string> {
  if (official.communeCode) {
    const commune = await tx.administrativeUnit.findUnique({ where: { communeCode: official.communeCode } });
    if (commune) return labelCommune(commune);
  }
  const unit = await tx.administrativeUnit.findFirst({ where: { provinceCode: official.provinceCode } });
  return unit?.provinceName ?? official.provinceCode;
}

/**
 * An official or a council member links this Zalo account by sending their one-time
 * code (both share its format; an official's is tried first).
 */
async function linkAccount(input: ActionInput): Promise<ActionOutcome> {
  const typedCode = String(input.answers.code ?? '');
  const official = await linkOfficialAccount(input.tx, { zaloUserId: input.userId, typedCode, now: input.now });
  if (official.ok) {
    const o = official.official;
    return replyWith(textOf(input, 'official.linked', { name: o.name, role: input.translate(input.locale, `official.role.${o.role}`), region: await regionName(input.tx, o) }));
  }
  const person = await linkCouncilPerson(input.tx, { zaloUserId: input.userId, typedCode, now: input.now });
  if (!person.ok) return replyWith(textOf(input, 'official.linkInvalid'));
  const memberships = await input.tx.councilMember.findMany({ where: { personId: person.person.id }, include: { council: true }, orderBy: { councilId: 'asc' } });
  const councils = memberships.map((m) => `${m.council.name} (${input.translate(input.locale, `council.role.${m.role}`)})`).join('; ');
  return replyWith(textOf(input, 'council.linked', { name: person.person.name, councils }));
}

/** A council person acknowledges one delivery; only their own counts. */
async function acknowledgeDelivery(input: ActionInput): Promise<ActionOutcome> {
  const deliveryId = BigInt(String(input.answers.deliveryId ?? '0'));
  const delivery = await input.tx.delivery.findFirst({ where: { id: deliveryId, status: { in: ['planned', 'acknowledged'] } } });
  const person = delivery ? await input.tx.councilPerson.findFirst({ where: { id: delivery.personId, zaloUserId: input.userId } }) : null;
  if (!delivery || !person) return replyWith(textOf(input, 'meeting.ackUnknown'));
  if (!delivery.acknowledgedAt) await input.tx.delivery.update({ where: { id: delivery.id }, data: { status: 'acknowledged', acknowledgedAt: input.now } });
  const idea = delivery.productIdeaId ? await input.tx.productIdea.findUnique({ where: { id: delivery.productIdeaId } }) : null;
  return replyWith(textOf(input, 'meeting.acknowledged', { product: idea?.productName ?? '', version: String(delivery.packetVersion ?? '') }));
}

/** "đăng nhập": a linked official gets a one-time link to the console, in their language. */
async function consoleSignIn(input: ActionInput, console: ConsoleSignInOptions): Promise<ActionOutcome> {
  const outcome = await issueSignInLink(input.tx, { zaloUserId: input.userId, now: input.now, settings: console.settings });
  switch (outcome.kind) {
    case 'link': {
      const url = `${console.publicBaseUrl}/console/sign-in/${outcome.token}?lang=${input.locale}`;
      const minutes = String(Math.round(console.settings.linkTtlMs / 60_000));
      return replyWith({
        kind: 'text',
        text: input.translate(input.locale, 'console.signIn.link', { name: outcome.official.name, minutes }),
        buttons: [{ title: input.translate(input.locale, 'console.signIn.open'), action: { kind: 'url', url } }],
      });
    }
    case 'too_many':
      return replyWith(textOf(input, 'console.signIn.tooMany', { time: displayVietnamDateTime(outcome.retryAt) }));
    case 'deactivated':
      return replyWith(textOf(input, 'console.signIn.deactivated'));
    case 'not_official':
      return replyWith(textOf(input, 'console.signIn.notOfficial'));
  }
}

export interface ConsoleSignInOptions {
  /** where the console is reached from a phone: the links start with it */
  publicBaseUrl: string;
  settings: ConsoleAuthSettings;
}

/** The domain handlers flows name in their action steps (and the router's effects). */
export function createConversationActions(
  ruleSets: readonly RuleSet[],
  checklists: readonly Checklist[],
  reminders: Pick<NotifyTiming, 'calendar' | 'routineTime'>,
  console: ConsoleSignInOptions,
  provinceSettings: (provinceCode: string) => ProvinceSettings,
): Record<string, ConversationAction> {
  return {
    consoleSignIn: (input) => consoleSignIn(input, console),
    openDossier: (input) => openDossier(input, checklists),
    addDocuments,
    declareExemption: (input) => declareExemption(input, checklists),
    submitDossier: (input) => submitDossier(input, checklists),
    showDossierProgress: (input) => showDossierProgress(input, checklists),
    saveProducerProfile,
    submitProductIdea: (input) => submitProductIdea(input, ruleSets),
    saveBusinessPlan,
    requestOfficial: (input) => requestOfficial(input, provinceSettings),
    warnNoOfficial: (input) => warnNoOfficial(input, provinceSettings),
    showStatus: (input) => describeStatus(input, { ruleSets, checklists }),
    linkAccount,
    acknowledgeDelivery,
    remindLater: (input) => remindLater(input, reminders),
  };
}
