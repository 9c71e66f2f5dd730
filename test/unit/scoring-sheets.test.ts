import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { capByMinimums, checkAnswers, disqualificationOf, loadScoringSheets, partsOf, totalHundredths, type Answers, type ScoringSheet } from '../../src/ocop/scoring-sheets.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const sampleDir = join(projectDir, 'rules', 'scoring-sheets-sample');
const sheets = loadScoringSheets(sampleDir, ruleSets, { production: false });
const sheet = sheets.sheetFor('qd-26-2026', 'tea')!;

/** A sample sheet with a change, in a folder of its own. */
function folderWith(change: (sheet: ScoringSheet) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sheets-'));
  const data = parseYaml(readFileSync(join(sampleDir, 'qd-26-2026.yaml'), 'utf8')) as ScoringSheet;
  change(data);
  writeFileSync(join(dir, 'sheet.yaml'), stringify(data));
  return dir;
}

const full: Answers = { A1: 10, A2: 10, A3: 10, A4: 10, B1: 5, B2: 10, B3: 10, C1: 15, C2: 10, C3: 10 };

describe('scoring sheets as data', () => {
  it('loads the sample sheets, one per product set and rule set', () => {
    expect(sheets.all).toHaveLength(3);
    expect(sheets.sheetFor('qd-148-2023', 'tourism')?.id).toBe('sample-qd-148-2023');
    expect(sheets.sheetFor('qd-26-2026', 'noSuchSet')).toBeUndefined();
    expect(totalHundredths(full)).toBe(10_000);
  });

  it('ships no law sheet it cannot cite: the production folder holds none, and a sample sheet stops a production start', () => {
    expect(loadScoringSheets(join(projectDir, 'rules', 'scoring-sheets'), ruleSets, { production: true }).all).toHaveLength(0);
    expect(() => loadScoringSheets(sampleDir, ruleSets, { production: true })).toThrow(/sample sheet cannot be used in production/);
  });

  it('refuses a sheet whose points do not add up to 100, naming the part', () => {
    const dir = folderWith((s) => {
      s.parts[0]!.criteria[0]!.options.push({ points: 12, text: 'thêm' });
    });
    expect(() => loadScoringSheets(dir, ruleSets, { production: false })).toThrow(/part A's criteria add up to 42, not 40.*parts add up to 100|part A's criteria add up to 42, not 40/);
  });

  it('refuses a part maximum that breaks the hundred, options out of order, a higher star asking less, unknown product sets', () => {
    const dir = folderWith((s) => {
      s.parts[1]!.max = 30;
      s.parts[2]!.criteria[0]!.options.reverse();
      s.parts[0]!.criteria[0]!.options[1]!.minimumFor = 5;
      s.productSets.push('caviar');
    });
    const error = (() => {
      try {
        loadScoringSheets(dir, ruleSets, { production: false });
        return '';
      } catch (e) {
        return String(e);
      }
    })();
    expect(error).toContain('parts add up to 105, not 100');
    expect(error).toContain("criterion C1's options must go from fewest to most points");
    expect(error).toContain('criterion A1 asks less for a higher star level than for 4★');
    expect(error).toContain('product set caviar is not in rule set qd-26-2026');
  });

  it('checks answers against the options, and completeness only when submitted', () => {
    expect(checkAnswers(sheet, { A1: 4 }, [], false)).toEqual([]);
    expect(checkAnswers(sheet, { A1: 3, Z9: 1 }, ['L9'], false)).toEqual([
      { code: 'A1', problem: 'not_an_option' },
      { code: 'Z9', problem: 'unknown_criterion' },
      { code: 'L9', problem: 'unknown_condition' },
    ]);
    expect(checkAnswers(sheet, { A1: 4 }, [], true).filter((i) => i.problem === 'missing')).toHaveLength(9);
    expect(partsOf(sheet, full)).toEqual({ a: 40, b: 25, c: 35 });
  });
});

describe('stars held by the star marks', () => {
  it('keeps the band when every mark up to it is met', () => {
    expect(capByMinimums(sheet, [full, full], 5)).toEqual({ stars: 5, missed: [] });
  });

  it('caps a 4★ band at 3★ when a 4★ mark is missed on the members’ average', () => {
    // C2 needs 10 for 4★: the members give 5 and 10, an average of 7.5.
    const capped = capByMinimums(sheet, [{ ...full, C2: 5 }, full], 4);
    expect(capped).toEqual({ stars: 3, missed: [{ code: 'C2', level: 4 }] });
  });

  it('falls to 2★ when a 3★ mark is missed, whatever the band', () => {
    expect(capByMinimums(sheet, [{ ...full, B2: 0 }, { ...full, B2: 0 }], 4)).toEqual({ stars: 2, missed: [{ code: 'B2', level: 3 }] });
  });

  it('ignores marks above the band', () => {
    expect(capByMinimums(sheet, [{ ...full, C2: 5 }], 3)).toEqual({ stars: 3, missed: [] });
  });

  it('judges a mark by every member or by most of them when the sheet says so', () => {
    const strict: ScoringSheet = { ...sheet, judging: { ...sheet.judging, minimums: 'everyMember' } };
    const most: ScoringSheet = { ...sheet, judging: { ...sheet.judging, minimums: 'majority' } };
    const answers = [full, full, { ...full, C2: 5 }];
    expect(capByMinimums(strict, answers, 4).stars).toBe(3);
    expect(capByMinimums(most, answers, 4).stars).toBe(4);
  });
});

describe('disqualification', () => {
  it('takes the condition most members found, in the sheet’s order', () => {
    expect(disqualificationOf(sheet, [['L2'], ['L2', 'L1'], []])).toBe('L2');
    expect(disqualificationOf(sheet, [['L1'], [], []])).toBeNull();
    const any: ScoringSheet = { ...sheet, judging: { ...sheet.judging, disqualification: 'anyMember' } };
    expect(disqualificationOf(any, [['L1'], [], []])).toBe('L1');
  });
});
