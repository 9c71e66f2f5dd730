import { loadProvinceSettings } from '../../src/ocop/province-settings.js';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { createConversationActions } from '../../src/bot/conversation-actions.js';
import { routerActions } from '../../src/conversation/converse.js';
import { flowRegistries } from '../../src/conversation/engine-context.js';
import { loadFlows } from '../../src/conversation/load-flows.js';
import { defaultConsoleAuth } from '../../src/console/console-auth.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { findProductSet, groupsOf, loadRuleSets, RuleSetError, ruleSetForDossier, ruleSetInForce, sectorsOf, sectorsOpenTo } from '../../src/ocop/rule-sets.js';
import { producerKinds } from '../../src/ocop/producer-kinds.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

const file = join(projectDir, 'rules', 'rule-sets.yaml');
const ruleSets = loadRuleSets(file, dictionaries);

describe('rule sets as data', () => {
  it('classifies products into 6 sectors, 17 groups and 26 sets under each rule set', () => {
    for (const ruleSet of ruleSets) {
      expect(sectorsOf(ruleSet)).toEqual(['food', 'drinks', 'herbal', 'handicrafts', 'ornamental', 'tourism']);
      expect(sectorsOf(ruleSet).flatMap((s) => groupsOf(ruleSet, s))).toHaveLength(17);
      expect(ruleSet.productSets).toHaveLength(26);
    }
    const current = ruleSets.at(-1)!;
    expect(findProductSet(current, 'tourism')).toMatchObject({ sector: 'tourism', samples: false });
    expect(findProductSet(current, 'whiteSpirit')).toMatchObject({ group: 'alcoholicDrinks', samples: true });
  });

  it('lets associations register tourism products only, every other kind any sector (Decision 26/2026 Art. 2.3)', () => {
    const qd26 = ruleSets.find((r) => r.id === 'qd-26-2026')!;
    expect(sectorsOpenTo(qd26, 'association')).toEqual(['tourism']);
    for (const kind of producerKinds.filter((k) => k !== 'association')) expect(sectorsOpenTo(qd26, kind)).toEqual(sectorsOf(qd26));
  });

  it('refuses a producer kind limited to a sector its classification does not have', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rule-sets-'));
    const broken = join(dir, 'rule-sets.yaml');
    await writeFile(broken, (await readFile(file, 'utf8')).replace('sectorsByProducerKind: { association: [tourism] }', 'sectorsByProducerKind: { association: [travel] }'));
    expect(() => loadRuleSets(broken, dictionaries)).toThrow(/association is limited to sector travel/);
  });

  it('says which council level certifies which stars, per period: no district level after 1 July 2025', () => {
    const byId = new Map(ruleSets.map((r) => [r.id, r.certifies]));
    expect(byId.get('qd-148-2023')).toEqual({ district: [3], province: [4], central: [5] });
    expect(byId.get('qd-1489-2025')).toEqual({ province: [3, 4], central: [5] });
    expect(byId.get('qd-26-2026')?.district).toBeUndefined();
  });

  it('picks the rule set in force on the Vietnamese date', () => {
    expect(ruleSetInForce(ruleSets, new Date('2023-02-23T16:59:59Z'))).toBeUndefined();
    expect(ruleSetInForce(ruleSets, new Date('2023-02-23T17:00:00Z'))?.id).toBe('qd-148-2023');
    expect(ruleSetInForce(ruleSets, new Date('2025-07-06T00:00:00Z'))?.id).toBe('qd-1489-2025');
    // 22/05/2026 begins at 17:00 UTC on the 21st.
    expect(ruleSetInForce(ruleSets, new Date('2026-05-21T16:59:59Z'))?.id).toBe('qd-1489-2025');
    expect(ruleSetInForce(ruleSets, new Date('2026-05-21T17:00:00Z'))?.id).toBe('qd-26-2026');
  });

  it('follows the filing date, with the transition of Decision 26/2026 (Art. 11.2, 12.2): 60 days, 30 for re-ranking', () => {
    const at = (local: string) => new Date(`${local}:00+07:00`);
    const filedIn2025 = { filedAt: at('2026-05-10T09:00'), kind: 'new_product' as const };
    // Filed under 1489 before 22/05/2026: finished by the 60th day after it (21/07/2026), still under 1489.
    expect(ruleSetForDossier(ruleSets, filedIn2025, at('2026-07-21T16:00'))?.id).toBe('qd-1489-2025');
    expect(ruleSetForDossier(ruleSets, filedIn2025, at('2026-07-22T09:00'))?.id).toBe('qd-26-2026');
    // A re-ranking has 30 days.
    expect(ruleSetForDossier(ruleSets, { ...filedIn2025, kind: 're_ranking' }, at('2026-06-21T09:00'))?.id).toBe('qd-1489-2025');
    expect(ruleSetForDossier(ruleSets, { ...filedIn2025, kind: 're_ranking' }, at('2026-06-22T09:00'))?.id).toBe('qd-26-2026');
    // Filed after 22/05/2026, or not filed yet: the rule set in force, whenever the idea was registered.
    expect(ruleSetForDossier(ruleSets, { filedAt: at('2026-05-22T08:00'), kind: 'new_product' }, at('2026-06-01T09:00'))?.id).toBe('qd-26-2026');
    expect(ruleSetForDossier(ruleSets, { filedAt: null, kind: 'new_product' }, at('2026-06-01T09:00'))?.id).toBe('qd-26-2026');
    // Filed under 148 (before 1489): 1489 names no transition, so it applies from its first day.
    expect(ruleSetForDossier(ruleSets, { filedAt: at('2025-06-01T09:00'), kind: 'new_product' }, at('2025-07-07T09:00'))?.id).toBe('qd-1489-2025');
  });

  it('refuses a file whose labels are missing from a locale or whose dates go backwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-'));
    const broken = join(dir, 'rule-sets.yaml');
    await writeFile(broken, (await readFile(file, 'utf8')).replace('inForceFrom: 2026-05-22', 'inForceFrom: 2020-01-01').replace('sets: [tea, herbalTea]', 'sets: [tea, herbalTea, kombucha]'));
    expect(() => loadRuleSets(broken, dictionaries)).toThrow(RuleSetError);
    expect(() => loadRuleSets(broken, dictionaries)).toThrow(/"ocop\.set\.kombucha" is missing from locales\/vi\.json[\s\S]*qd-26-2026: must come into force after qd-1489-2025/);
  });

  it('refuses star bands that do not rise, naming where', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-'));
    const broken = join(dir, 'rule-sets.yaml');
    await writeFile(broken, (await readFile(file, 'utf8')).replace('starBands: [30, 50, 70, 90]', 'starBands: [30, 70, 50, 90]'));
    expect(() => loadRuleSets(broken, dictionaries)).toThrow(/ruleSets\.0\.starBands: bands must increase/);
  });
});

describe("the project's flows", () => {
  it('all load and pass the checker with the registered validators, actions, sources and facts', () => {
    const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
    const names = [...Object.keys(createConversationActions(ruleSets, checklists, { calendar: loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml')), routineTime: '08:00' }, { publicBaseUrl: 'https://ocop.example.vn', settings: defaultConsoleAuth }, loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml')))), ...routerActions];
    const flows = loadFlows(join(projectDir, 'flows'), dictionaries, flowRegistries(names));
    expect([...flows.keys()].sort()).toEqual(['business-plan', 'dossier', 'main-menu', 'producer-profile', 'product-idea', 'talk-to-official']);
  });
});
