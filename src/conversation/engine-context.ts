import type { ConversationCommand } from './converse.js';
import type { Locale, Translate } from '../i18n/translator.js';
import { chatPlanItem, checklistFor, type Checklist } from '../ocop/dossier-checklist.js';
import { groupsOf, ruleSetInForce, sectorsOf, sectorsOpenTo, setsOf, type RuleSet } from '../ocop/rule-sets.js';
import type { CommuneDirectory } from '../regions/commune-directory.js';
import type { ProducerFacts } from './producer-facts.js';
import type { EthnicGroups } from './ethnic-groups.js';
import type { ChoiceItem, ChoiceSource, EngineContext, Prefill } from './flow-engine.js';
import type { Flow } from './flow-schema.js';
import { answerValidators, checkAnswerValidatorOptions, isAnswerValidatorName, validateAnswer } from '../text/validators.js';

/** What every turn's engine context is built from; loaded once at start. */
export interface ConversationSetup {
  flows: ReadonlyMap<string, Flow>;
  translate: Translate;
  ruleSets: readonly RuleSet[];
  checklists: readonly Checklist[];
  /** The communes as last loaded from Postgres (reference data, refreshed in the background). */
  communes: () => CommuneDirectory;
  /** rules/ethnic-groups.yaml: a representative's ethnic group, typed by name */
  ethnicGroups: EthnicGroups;
  shareInfoImageUrl: string;
  /** the commands buttons send, registered by their features */
  commands: readonly ConversationCommand[];
}

export const choiceSourceNames = ['ocopSectors', 'ocopGroups', 'ocopSets', 'communes', 'ethnicGroups', 'myIdeas', 'dossierMissing', 'dossierItems'] as const;
export const factNames = ['hasProfile', 'hasIdeas'] as const;
export const prefillNames = ['producerProfile'] as const;

/** The names flows may use, for the checker (see load-flows.ts). */
export function flowRegistries(actionNames: readonly string[]) {
  return {
    validators: new Set(Object.keys(answerValidators)),
    actions: new Set(actionNames),
    choiceSources: new Set<string>(choiceSourceNames),
    facts: new Set<string>(factNames),
    prefills: new Set<string>(prefillNames),
    checkValidatorOptions: checkAnswerValidatorOptions,
  };
}

function list(items: ChoiceItem[], labelOf?: (value: string) => string | undefined): ChoiceSource {
  return labelOf ? { kind: 'list', items, labelOf } : { kind: 'list', items };
}

/** The engine's view of one person at one moment: their language, their facts, the rules in force. */
export function buildEngineContext(setup: ConversationSetup, facts: ProducerFacts, locale: Locale, now: Date): EngineContext {
  const t = (key: string) => setup.translate(locale, key);
  const ruleSet = ruleSetInForce(setup.ruleSets, now);
  const rules = () => {
    if (!ruleSet) throw new Error(`no rule set is in force on ${now.toISOString()}`);
    return ruleSet;
  };
  return {
    flows: setup.flows,
    translate: setup.translate,
    locale,
    now,
    shareInfoImageUrl: setup.shareInfoImageUrl,
    validate: (name, input, options, at) => {
      if (!isAnswerValidatorName(name)) throw new Error(`validator ${name} is not registered`);
      return validateAnswer(name, options, input, { now: at });
    },
    choiceSource: (name, answers) => {
      switch (name) {
        case 'ocopSectors': {
          // Some kinds may register some sectors only (an association: tourism), as the rule set says.
          const sectors = facts.producerKind ? sectorsOpenTo(rules(), facts.producerKind) : sectorsOf(rules());
          return list(sectors.map((code) => ({ value: code, label: t(`ocop.sector.${code}`) })));
        }
        case 'ocopGroups':
          return list(groupsOf(rules(), String(answers.sector)).map((code) => ({ value: code, label: t(`ocop.group.${code}`) })));
        case 'ocopSets':
          return list(setsOf(rules(), String(answers.group)).map((code) => ({ value: code, label: t(`ocop.set.${code}`) })));
        case 'myIdeas':
          return list(facts.ideas.map((idea) => ({ value: idea.id, label: `${idea.productName} (${idea.receiptNumber})` })));
        case 'dossierMissing':
        case 'dossierItems': {
          // The producer's own items of the chosen idea: what is missing, or all with their state.
          const idea = facts.ideas.find((i) => i.id === answers.ideaId);
          if (!idea) return list([]);
          const items = checklistFor(setup.checklists, idea.subject).filter((i) => i.by === 'producer');
          const count = (item: string) => idea.dossier?.documents[item] ?? 0;
          const labelOf = (item: string) => t(`dossier.item.${item}`);
          const exempted = idea.dossier?.exempted ?? [];
          if (name === 'dossierMissing') {
            // The walk asks for items the commune sent back, then required items still missing;
            // optional ones are offered in the review.
            // An item declared not asked of the producer counts as given.
            const returned = idea.dossier?.returned ?? [];
            // The plan given in the chat fills the plan item (made into a PDF as the dossier opens).
            const fromChat = (item: string) => item === chatPlanItem && idea.planFromChat;
            const missing = items.filter((i) => !returned.includes(i.item) && i.need === 'required' && count(i.item) === 0 && !exempted.includes(i.item) && !fromChat(i.item));
            const known = (value: string) => (items.some((i) => i.item === value) ? labelOf(value) : undefined);
            return list([...items.filter((i) => returned.includes(i.item)), ...missing].map((i) => ({ value: i.item, label: labelOf(i.item), ...(i.exemptible ? { exemptible: true } : {}) })), known);
          }
          const state = (i: { item: string; need: string }) =>
            count(i.item) > 0
              ? setup.translate(locale, 'dossier.state.have', { count: String(count(i.item)) })
              : exempted.includes(i.item)
                ? t('dossier.state.exempted')
                : t(i.need === 'required' ? 'dossier.state.missing' : 'dossier.state.optional');
          return list([
            ...items.map((i) => ({ value: i.item, label: `${labelOf(i.item)} — ${state(i)}` })),
            { value: 'submit', label: t('dossier.review.submit'), primary: true },
            { value: 'later', label: t('dossier.review.later'), primary: true },
          ]);
        }
        case 'communes': {
          const directory = setup.communes();
          return {
            kind: 'search',
            search: (query, limit) => {
              const found = directory.searchCommunes(query, limit);
              return { items: found.communes.map((c) => ({ value: c.code, label: c.label })), total: found.total };
            },
            labelOf: (code) => directory.communeByCode(code)?.label,
          };
        }
        case 'ethnicGroups': {
          // A name means one group or none: a list of near names would not help someone
          // who knows their own ethnic group; the re-ask gives examples instead.
          const { ethnicGroups } = setup;
          return {
            kind: 'search',
            search: (query) => {
              const found = ethnicGroups.match(query);
              return { items: found ? [{ value: found.code, label: found.name }] : [], total: found ? 1 : 0 };
            },
            labelOf: (code) => ethnicGroups.byCode(code)?.name,
          };
        }
        default:
          throw new Error(`choice source ${name} is not registered`);
      }
    },
    fact: (name) => {
      if (name === 'hasProfile') return facts.profile ? 'yes' : 'no';
      if (name === 'hasIdeas') return facts.ideas.length > 0 ? 'yes' : 'no';
      throw new Error(`fact ${name} is not registered`);
    },
    prefill: (name): Prefill | undefined => {
      if (name !== 'producerProfile') throw new Error(`prefill ${name} is not registered`);
      return facts.profile ? { answers: facts.profile, stepId: 'summary' } : undefined;
    },
  };
}
