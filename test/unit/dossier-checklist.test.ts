import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChecklistError, checklistFor, loadChecklists, type DossierSubject } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const file = join(projectDir, 'rules', 'dossier-checklists.yaml');
const checklists = loadChecklists(file, ruleSets, dictionaries);

const honey: DossierSubject = { ruleSet: 'qd-26-2026', kind: 'new_product', sector: 'food', set: 'honeyRawOther', producerKind: 'cooperative' };
const needOf = (subject: DossierSubject) => Object.fromEntries(checklistFor(checklists, subject).map((i) => [i.item, i.need]));

describe('dossier checklists as data', () => {
  it('a first-time food product needs the forms, its business plan and the food-safety papers', () => {
    const need = needOf(honey);
    expect(Object.keys(need).slice(0, 4)).toEqual(['form01', 'form02', 'businessPlan', 'businessRegistration']);
    expect(need).toMatchObject({ form01: 'required', businessPlan: 'required', foodSafety: 'required', testReport: 'required', labelPackaging: 'required', awards: 'optional', form03: 'required' });
    expect(need.previousCertificate).toBeUndefined();
    expect(checklistFor(checklists, honey).find((i) => i.item === 'form03')?.by).toBe('commune');
  });

  it('tourism needs no food-safety papers and no packaging; handicrafts make tests optional', () => {
    const tourism = needOf({ ...honey, sector: 'tourism', set: 'tourism' });
    expect(tourism.foodSafety).toBeUndefined();
    expect(tourism.labelPackaging).toBeUndefined();
    expect(needOf({ ...honey, sector: 'handicrafts', set: 'textiles' })).toMatchObject({ testReport: 'optional', qualityDeclaration: 'optional' });
  });

  it('an upgrade shows what changed, a re-ranking updates what aged; the business plan becomes optional', () => {
    expect(needOf({ ...honey, kind: 'star_upgrade' })).toMatchObject({ previousCertificate: 'required', changesReport: 'required', businessPlan: 'optional' });
    const reRanking = needOf({ ...honey, kind: 're_ranking' });
    expect(reRanking).toMatchObject({ previousCertificate: 'required', reRankingUpdate: 'required' });
    expect(reRanking.changesReport).toBeUndefined();
  });

  it('Decision 26/2026: the food-safety certificate only where the law asks one (Form 02), and it may be declared exempt', () => {
    const foodSafety = checklistFor(checklists, honey).find((i) => i.item === 'foodSafety');
    expect(foodSafety).toMatchObject({ need: 'required', exemptible: true });
    expect(checklistFor(checklists, honey).filter((i) => i.exemptible).map((i) => i.item)).toEqual(['foodSafety']);
  });

  it('Decision 26/2026, Annex II sheets 18–20: herbal medicines need GMP-type conditions, cosmetics the Ministry of Health’s and a product declaration', () => {
    const medicines = needOf({ ...honey, sector: 'herbal', set: 'herbalMedicines' });
    expect(medicines).toMatchObject({ productionConditions: 'required', qualityDeclaration: 'required', testReport: 'required' });
    expect(medicines.foodSafety).toBeUndefined();
    const cosmetics = needOf({ ...honey, sector: 'herbal', set: 'herbalCosmetics' });
    expect(cosmetics).toMatchObject({ cosmeticsConditions: 'required', productDeclaration: 'required', qualityDeclaration: 'optional' });
    expect(cosmetics.foodSafety).toBeUndefined();
    expect(needOf({ ...honey, sector: 'herbal', set: 'essentialOils' })).toMatchObject({ productDeclaration: 'required', qualityDeclaration: 'optional' });
  });

  it('Decision 26/2026, Art. 6.2a: the commune adds its proposal letter as well as Form 03', () => {
    expect(checklistFor(checklists, honey).filter((i) => i.by === 'commune')).toEqual([
      { item: 'form03', by: 'commune', need: 'required', exemptible: false },
      { item: 'communeProposal', by: 'commune', need: 'required', exemptible: false },
    ]);
  });

  it('a cooperative group, which has no business registration, may skip it', () => {
    expect(needOf({ ...honey, producerKind: 'cooperative_group' }).businessRegistration).toBe('optional');
  });

  it('refuses a file with an unknown sector, a missing label or a rule set without a checklist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'checklists-'));
    const broken = join(dir, 'dossier-checklists.yaml');
    await writeFile(
      broken,
      (await readFile(file, 'utf8'))
        .replace('ruleSets: [qd-148-2023, qd-1489-2025, qd-26-2026]', 'ruleSets: [qd-148-2023, qd-26-2026]')
        .replace('notSectors: [tourism]', 'notSectors: [tourisme]')
        .replace('{ item: awards,', '{ item: medals,'),
    );
    expect(() => loadChecklists(broken, ruleSets, dictionaries)).toThrow(ChecklistError);
    expect(() => loadChecklists(broken, ruleSets, dictionaries)).toThrow(/sector tourisme, unknown in qd-148-2023[\s\S]*"dossier\.item\.medals" is missing[\s\S]*rule set qd-1489-2025 has no checklist/);
  });
});
