import { join, resolve } from 'node:path';
import { defaultConsoleAuth, type ConsoleAuthSettings } from '../console/console-auth.js';
import type { Database } from '../db/database.js';
import type { Dictionaries, Translate } from '../i18n/translator.js';
import { loadWorkingCalendar, type WorkingCalendar } from '../calendar/working-calendar.js';
import { acknowledgementCodec } from '../council/distribute-meeting.js';
import { loadNotifyRules, type NotifyRules } from '../notify/notify-rules.js';
import { remindLaterCodec } from '../notify/reminder-commands.js';
import { loadChecklists } from '../ocop/dossier-checklist.js';
import { loadProvinceSettings, type ProvinceSettings } from '../ocop/province-settings.js';
import { loadRuleSets } from '../ocop/rule-sets.js';
import { loadScoringSheets, type ScoringSheets } from '../ocop/scoring-sheets.js';
import { loadProducerFacts } from '../registration/load-producer-facts.js';
import { loadCommuneDirectory, type CommuneDirectory } from '../regions/commune-directory.js';
import type { ConversationAction } from '../conversation/action-outcome.js';
import { createConversationActions } from './conversation-actions.js';
import { loadEthnicGroups } from '../conversation/ethnic-groups.js';
import { routerActions } from '../conversation/converse.js';
import { flowRegistries, type ConversationSetup } from '../conversation/engine-context.js';
import { loadFlows } from '../conversation/load-flows.js';

export interface LoadedConversation {
  setup: ConversationSetup;
  actions: Record<string, ConversationAction>;
  /** what a turn knows of the person beforehand (their profile, ideas and dossiers) */
  loadFacts: typeof loadProducerFacts;
  /** The working calendar and the reminder rules, loaded (and checked) with the flows. */
  calendar: WorkingCalendar;
  notifyRules: NotifyRules;
  /** Each province's council rules and extra rounds over the defaults (rules/provinces.yaml). */
  provinceSettings: (provinceCode: string) => ProvinceSettings;
  /** The council's scoring sheets by rule set and product set. */
  scoringSheets: ScoringSheets;
  /**
   * Reads the official list of communes again, so an import reaches running processes
   * without a restart; the composition root runs it periodically (jobs/every.ts).
   */
  refreshCommunes(): Promise<void>;
}

/**
 * Loads and checks the flows and rule sets (a broken file stops the start, naming file
 * and step), and the commune directory, refreshed in the background so an import of the
 * official list reaches running processes without a restart.
 */
export async function loadConversation(options: {
  root: string;
  dictionaries: Dictionaries;
  translate: Translate;
  db: Database;
  publicBaseUrl: string;
  /** Another flows directory (tests of a deploy that changes a flow). */
  flowsDir?: string;
  /** How long console sign-in links last and how many an official may ask for. */
  consoleAuth?: ConsoleAuthSettings;
  /** The scoring sheets' directory (default rules/scoring-sheets), and whether sample sheets are refused. */
  scoringSheets?: { dir: string; production: boolean };
}): Promise<LoadedConversation> {
  const ruleSets = loadRuleSets(join(options.root, 'rules', 'rule-sets.yaml'), options.dictionaries);
  const checklists = loadChecklists(join(options.root, 'rules', 'dossier-checklists.yaml'), ruleSets, options.dictionaries);
  const calendar = loadWorkingCalendar(join(options.root, 'rules', 'calendar.yaml'));
  const notifyRules = loadNotifyRules(join(options.root, 'rules', 'notifications.yaml'));
  const provinceSettings = loadProvinceSettings(join(options.root, 'rules', 'provinces.yaml'));
  const scoringSheets = loadScoringSheets(resolve(options.root, options.scoringSheets?.dir ?? join('rules', 'scoring-sheets')), ruleSets, { production: options.scoringSheets?.production ?? false });
  const ethnicGroups = loadEthnicGroups(join(options.root, 'rules', 'ethnic-groups.yaml'));
  const actions = createConversationActions(ruleSets, checklists, { calendar, routineTime: notifyRules.routineTime }, { publicBaseUrl: options.publicBaseUrl, settings: options.consoleAuth ?? defaultConsoleAuth }, provinceSettings);
  const flows = loadFlows(options.flowsDir ?? join(options.root, 'flows'), options.dictionaries, flowRegistries([...Object.keys(actions), ...routerActions]));
  let communes: CommuneDirectory = await loadCommuneDirectory(options.db);
  return {
    setup: { flows, translate: options.translate, ruleSets, checklists, communes: () => communes, ethnicGroups, shareInfoImageUrl: `${options.publicBaseUrl}/assets/share-phone.png`, commands: [acknowledgementCodec, remindLaterCodec] },
    actions,
    loadFacts: loadProducerFacts,
    calendar,
    notifyRules,
    provinceSettings,
    scoringSheets,
    refreshCommunes: async () => {
      communes = await loadCommuneDirectory(options.db);
    },
  };
}
