import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { nextRoundClosing, nextRoundFor, provinceRoundRules, roundDeadlines, roundsOfYear } from '../../src/ocop/evaluation-rounds.js';
import { loadProvinceSettings } from '../../src/ocop/province-settings.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';

const calendar = loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml'));
const current = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries).find((r) => r.id === 'qd-26-2026')!;
const provinceRounds = current.rounds!.province;

describe('evaluation rounds of Decision 26/2026', () => {
  it('Art. 5.1: communes propose before 30/4 and 30/10, province rounds end before 30/6 and 30/12', () => {
    expect(roundsOfYear(provinceRounds, 'province', 2027)).toEqual([
      { level: 'province', year: 2027, number: 1, proposeBefore: '2027-04-30', closesBefore: '2027-06-30' },
      { level: 'province', year: 2027, number: 2, proposeBefore: '2027-10-30', closesBefore: '2027-12-30' },
    ]);
  });

  it('Art. 5.2: provinces propose 5★ products to the ministry before 30/1 and 30/7', () => {
    expect(roundsOfYear(current.rounds!.central, 'central', 2027).map((r) => [r.number, r.proposeBefore, r.closesBefore])).toEqual([
      [1, '2027-01-30', '2027-03-30'],
      [2, '2027-07-30', '2027-09-30'],
    ]);
  });

  it('Art. 5.1 with 7.2: the producer must hand in 15 working days before the commune’s last day, which is before 30/4 (a holiday)', () => {
    const [first] = roundsOfYear(provinceRounds, 'province', 2026);
    // 30/4 is off; 29/4 is the commune's last working day; 27/4 (Hùng Kings, in lieu) is off too.
    expect(roundDeadlines(calendar, first!, 15)).toMatchObject({ communeLastDay: '2026-04-29', producerLastDay: '2026-04-07' });
    // 30/10/2027 is a Saturday: the commune's last day is Friday 29/10.
    const [, second] = roundsOfYear(provinceRounds, 'province', 2027);
    expect(roundDeadlines(calendar, second!, 15)).toMatchObject({ communeLastDay: '2027-10-29', producerLastDay: '2027-10-08' });
  });

  it('points each person to the next round they can still make', () => {
    const options = { calendar, rules: provinceRounds, checkWorkingDays: 15 };
    // 9/10/2026: too late for producers in round 2/2026, still in time for the commune.
    expect(nextRoundFor('producer', { ...options, today: '2026-10-08' })?.round).toMatchObject({ year: 2026, number: 2 });
    expect(nextRoundFor('producer', { ...options, today: '2026-10-09' })?.round).toMatchObject({ year: 2027, number: 1 });
    expect(nextRoundFor('commune', { ...options, today: '2026-10-29' })?.round).toMatchObject({ year: 2026, number: 2 });
    expect(nextRoundFor('commune', { ...options, today: '2026-10-30' })?.round).toMatchObject({ year: 2027, number: 1 });
    expect(nextRoundClosing(provinceRounds, '2026-12-29')).toMatchObject({ year: 2026, number: 2 });
    expect(nextRoundClosing(provinceRounds, '2026-12-30')).toMatchObject({ year: 2027, number: 1 });
  });

  it('Art. 5.1, second paragraph: a province’s extra round is numbered among the others', () => {
    const settings = loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml'));
    expect(settings('75').extraRounds).toEqual([]);
    const extra = { proposeBefore: '08-01', closesBefore: '09-30' };
    expect(provinceRoundRules(current.rounds, [extra])).toEqual([...provinceRounds, extra]);
    // A rule set without fixed rounds gives none, whatever the province adds.
    expect(provinceRoundRules(undefined, [extra])).toEqual([]);
    const rounds = roundsOfYear(provinceRoundRules(current.rounds, [extra]), 'province', 2027);
    expect(rounds.map((r) => [r.number, r.closesBefore])).toEqual([
      [1, '2027-06-30'],
      [2, '2027-09-30'],
      [3, '2027-12-30'],
    ]);
  });
});
