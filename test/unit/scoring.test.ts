import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageOf, certifyingLevelFor, hasQuorum, hundredths, starsFor } from '../../src/ocop/scoring.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

// Stars follow the rule set's bands on the exact sum of the members' scores; the quorum is
// the province's share of scoring members, the chair among them.

const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const ruleSet = (id: string) => ruleSets.find((r) => r.id === id)!;
const bands = ruleSet('qd-26-2026').starBands;
const starsOf = (...scores: number[]) => starsFor(bands, scores.reduce((sum, s) => sum + hundredths(s), 0), scores.length);

describe('stars from scores', () => {
  it('uses half-open bands and never rounds: 69.9 is 3★, 70 is 4★', () => {
    expect([starsOf(0), starsOf(29.99), starsOf(30), starsOf(49.99), starsOf(50), starsOf(69.9), starsOf(70), starsOf(89.99), starsOf(90), starsOf(100)]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('decides on the sum, so an average just under a band stays under it', () => {
    // 70 + 69.99 + 69.99 = 209.98: the average 69.9933… is 3★, and is shown cut, not rounded up to 70.00.
    expect(starsOf(70, 69.99, 69.99)).toBe(3);
    expect(averageOf(20998, 3)).toBe('69.99');
    expect(starsOf(70, 70, 69.99, 70.01)).toBe(4);
    expect(averageOf(hundredths(72) + hundredths(73) + hundredths(72.5), 3)).toBe('72.50');
    // 0.1 + 0.2 in floating point is not 0.3; in hundredths it is.
    expect(hundredths(0.1) + hundredths(0.2)).toBe(hundredths(0.3));
  });

  it('names the level that certifies the stars under each rule set, none below 3★', () => {
    expect([1, 2, 3, 4, 5].map((s) => certifyingLevelFor(ruleSet('qd-26-2026'), s))).toEqual([null, null, 'province', 'province', 'central']);
    expect([2, 3, 4, 5].map((s) => certifyingLevelFor(ruleSet('qd-148-2023'), s))).toEqual([null, 'district', 'province', 'central']);
  });
});

describe('quorum', () => {
  const voting = [1n, 2n, 3n, 4n, 5n].map((personId) => ({ personId, chair: personId === 1n }));
  const rule = { present: 3, of: 4, chairRequired: true };

  it('needs 3/4 of the scoring members, counted without rounding down', () => {
    // 4 of 5 is 80 %: enough; 3 of 5 is 60 %: not.
    expect(hasQuorum(rule, voting, [1n, 2n, 3n, 4n])).toEqual({ ok: true });
    expect(hasQuorum(rule, voting, [1n, 2n, 3n])).toEqual({ ok: false, reason: '3 of 5 members present; at least 3/4 are needed' });
  });

  it('needs the chair where the province says so, and not where it does not', () => {
    expect(hasQuorum(rule, voting, [2n, 3n, 4n, 5n])).toEqual({ ok: false, reason: 'the chair must be present' });
    expect(hasQuorum({ ...rule, chairRequired: false }, voting, [2n, 3n, 4n, 5n])).toEqual({ ok: true });
  });
});
