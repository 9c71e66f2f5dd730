import { describe, expect, it } from 'vitest';
import { validateAnswer } from '../../src/text/validators.js';
import { decodePersonalId, maskPersonalId } from '../../src/text/personal-id.js';

// A household's representative is identified by the 12-digit personal ID in place of a tax
// code since 1/7/2025 (Thông tư 86/2024/TT-BTC Art. 5; Thông tư 90/2026/TT-BTC keeps it).
// Structure: Nghị định 137/2015/NĐ-CP Art. 13; century and sex codes, TT 59/2021/TT-BCA Art. 7.

const options = { minimumAge: 15 };
const at = (iso: string) => ({ now: new Date(iso) });

describe('the personal ID of a household representative', () => {
  it('reads province of birth registration, century and sex, and year of birth', () => {
    expect(decodePersonalId('001090012345')).toEqual({ ok: true, parts: { provinceCode: '001', sex: 'male', birthYear: 1990 } });
    expect(decodePersonalId('079301012345')).toEqual({ ok: true, parts: { provinceCode: '079', sex: 'female', birthYear: 2001 } });
    expect(decodePersonalId('096512012345')).toMatchObject({ parts: { sex: 'female', birthYear: 2112 } });
  });

  it('takes the province codes of birth registration (001–096), not the 2025 units', () => {
    expect(decodePersonalId('096090012345').ok).toBe(true);
    expect(decodePersonalId('097090012345')).toEqual({ ok: false, problem: 'province' });
  });

  it('needs exactly 12 digits: an 11- or 13-digit number is refused with its length', () => {
    expect(validateAnswer('personalId', options, '00109001234', at('2026-11-23T02:00:00Z'))).toEqual({ ok: false, hintKey: 'profile.personalId.length', vars: { length: '11' } });
    expect(validateAnswer('personalId', options, '0010900123456', at('2026-11-23T02:00:00Z'))).toEqual({ ok: false, hintKey: 'profile.personalId.length', vars: { length: '13' } });
  });

  it('counts age on the turn\'s Vietnamese date: born 2011 is refused in 2025, accepted from 1/1/2026 in Vietnam', () => {
    const id = '001211012345';
    expect(validateAnswer('personalId', options, id, at('2025-12-31T16:59:59Z'))).toEqual({ ok: false, hintKey: 'profile.personalId.tooYoung', vars: { year: '2011', age: '15' } });
    expect(validateAnswer('personalId', options, id, at('2025-12-31T17:00:00Z'))).toEqual({ ok: true, value: id });
  });

  it('refuses a birth year still to come', () => {
    expect(validateAnswer('personalId', options, '001227012345', at('2026-11-23T02:00:00Z'))).toEqual({ ok: false, hintKey: 'profile.personalId.bornInFuture', vars: { year: '2027' } });
  });

  it('is shown masked: province code and last four digits, sex and year of birth hidden', () => {
    expect(maskPersonalId('001090012345')).toBe('001*****2345');
  });
});
