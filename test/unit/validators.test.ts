import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDictionaries } from '../../src/i18n/translator.js';
import { answerValidators, validateAnswer, type AnswerValidatorName, type ValidationResult } from '../../src/text/validators.js';

const dictionaries = loadDictionaries(join(import.meta.dirname, '../../locales'));

// 18:00 UTC on 24 November is already 01:00 on 25 November in Vietnam.
const context = { now: new Date('2026-11-24T18:00:00Z') };

type Accepted = [input: string, value: unknown, options?: unknown];
type Refused = [input: string, hintKey: string, vars?: Record<string, string>, options?: unknown];

const accepted: Record<AnswerValidatorName, Accepted[]> = {
  text: [
    ['  Chè Shan tuyết  ', 'Chè Shan tuyết'],
    ['Mật ong\n\n  rừng   U Minh', 'Mật ong rừng U Minh'],
    ['Nước mắm Phú Quốc'.normalize('NFD'), 'Nước mắm Phú Quốc', { max: 17 }],
    ['Gạo ST25', 'Gạo ST25', { min: 8, max: 8 }],
  ],
  number: [
    ['1500', 1500],
    ['1.500', 1500],
    ['1 500', 1500],
    ['1.500.000', 1_500_000],
    ['1 500 000', 1_500_000],
    ['1,500,000', 1_500_000],
    ['2,5', 2.5],
    ['2.5', 2.5],
    ['12.75', 12.75],
    ['1.500,25', 1500.25],
    ['0,5', 0.5],
    ['-3', -3],
    ['-0', 0],
    [' 42 ', 42, { min: 1, max: 100, integer: true }],
    ['1234,567', 1234.567],
  ],
  date: [
    ['25/11/2026', '2026-11-25'],
    ['5/3/2026', '2026-03-05'],
    ['5/3/26', '2026-03-05'],
    ['05-03-2026', '2026-03-05'],
    ['05.03.2026', '2026-03-05'],
    ['5 / 3 / 2026', '2026-03-05'],
    ['29/02/2024', '2024-02-29'],
    ['29/02/2000', '2000-02-29'],
    ['31/12/2025', '2025-12-31'],
    // Today in Vietnam, though still yesterday in UTC.
    ['25/11/2026', '2026-11-25', { notFuture: true }],
    ['25/11/2026', '2026-11-25', { notPast: true }],
    ['01/01/2030', '2030-01-01', { notPast: true }],
  ],
  phone: [
    ['0912 345 678', '84912345678'],
    ['0912.345.678', '84912345678'],
    ['0912-345-678', '84912345678'],
    ['+84 912345678', '84912345678'],
    ['+84 (0) 912 345 678', '84912345678'],
    ['84912345678', '84912345678'],
    ['0084 912 345 678', '84912345678'],
    ['(0912)345678', '84912345678'],
    ['0386 123 456', '84386123456'],
    ['0523 456 789', '84523456789'],
    ['0703 456 789', '84703456789'],
    ['0812 345 678', '84812345678'],
    ['024 3826 1234', '842438261234'],
    ['(0236) 3821 234', '842363821234'],
  ],
  email: [
    ['htx.chetancuong@gmail.com', 'htx.chetancuong@gmail.com'],
    [' Nguyen.Van.A@Gmail.COM ', 'Nguyen.Van.A@gmail.com'],
    ['ocop@thainguyen.gov.vn', 'ocop@thainguyen.gov.vn'],
  ],
  taxCode: [
    // Check digits from the published examples of python-stdnum's stdnum/vn/mst.py.
    ['0100233488', '0100233488'],
    ['0314409058-002', '0314409058-002'],
    ['0314409058002', '0314409058-002'],
    ['0314409058 - 002', '0314409058-002'],
    ['0314409058–002', '0314409058-002'],
    ['01.00.112.437', '0100112437'],
    ['0312 68 78 78', '0312687878'],
    ['0101234565', '0101234565'],
    // Remainder 10 gives the check digit 0.
    ['1000000040', '1000000040'],
    ['0100233480', '0100233480', { verifyCheckDigit: false }],
  ],
  businessRegistration: [
    ['01a8012345', '01A8012345'],
    ['0123/HTX', '0123/HTX'],
    ['12/GCN-đkkd', '12/GCN-ĐKKD'],
    ['41 H 8 000123', '41H8000123'],
  ],
  // Personal IDs (Nghị định 137/2015 Art. 13; century and sex codes of TT 59/2021 Art. 7):
  // "now" is 25/11/2026 in Vietnam.
  personalId: [
    ['001090012345', '001090012345', { minimumAge: 15 }], // Hà Nội, born 1990, male
    ['079 301 012 345', '079301012345', { minimumAge: 15 }], // 2001, female; spaces as on the card
    ['096.211.012.345', '096211012345', { minimumAge: 15 }], // 2011: may already be 15
  ],
};

const refused: Record<AnswerValidatorName, Refused[]> = {
  text: [
    ['   ', 'validation.required'],
    ['Chè', 'validation.text.tooShort', { min: '5', length: '3' }, { min: 5 }],
    ['Nước mắm Phú Quốc'.normalize('NFD'), 'validation.text.tooLong', { max: '16', length: '17' }, { max: 16 }],
  ],
  number: [
    ['', 'validation.required'],
    ['mười', 'validation.number.format'],
    ['1500 kg', 'validation.number.format'],
    ['50.000đ', 'validation.number.format'],
    ['1.5000', 'validation.number.format'],
    ['1.500 000', 'validation.number.format'],
    ['1,500.5', 'validation.number.format'],
    [',5', 'validation.number.format'],
    ['1,500', 'validation.number.ambiguous', { input: '1,500' }],
    ['150,000', 'validation.number.ambiguous', { input: '150,000' }],
    ['2,5', 'validation.number.notInteger', undefined, { integer: true }],
    ['0', 'validation.number.tooSmall', { min: '1' }, { min: 1 }],
    ['1.000.001', 'validation.number.tooLarge', { max: '1000000' }, { max: 1_000_000 }],
  ],
  date: [
    ['', 'validation.required'],
    ['hôm qua', 'validation.date.format'],
    ['25/11', 'validation.date.format'],
    ['25112026', 'validation.date.format'],
    ['25/11-2026', 'validation.date.format'],
    ['25/11/226', 'validation.date.format'],
    ['2026-11-25', 'validation.date.format'],
    ['31/02/2026', 'validation.date.notReal', { date: '31/02/2026' }],
    ['29/02/2026', 'validation.date.notReal', { date: '29/02/2026' }],
    ['29/02/1900', 'validation.date.notReal', { date: '29/02/1900' }],
    ['31/04/2026', 'validation.date.notReal', { date: '31/04/2026' }],
    ['12/13/2026', 'validation.date.notReal', { date: '12/13/2026' }],
    ['0/1/2026', 'validation.date.notReal', { date: '0/1/2026' }],
    ['1/1/1800', 'validation.date.notReal', { date: '1/1/1800' }],
    ['26/11/2026', 'validation.date.inFuture', { today: '25/11/2026' }, { notFuture: true }],
    ['24/11/2026', 'validation.date.inPast', { today: '25/11/2026' }, { notPast: true }],
  ],
  phone: [
    ['', 'validation.required'],
    ['không có', 'validation.phone.format'],
    ['0912 345 67x', 'validation.phone.format'],
    ['912345678', 'validation.phone.format'],
    ['0412 345 678', 'validation.phone.format'],
    ['0612 345 678', 'validation.phone.format'],
    ['0012 345 678', 'validation.phone.format'],
    ['0912 345 67', 'validation.phone.mobileLength'],
    ['0912 345 6789', 'validation.phone.mobileLength'],
    ['024 3826 123', 'validation.phone.landlineLength'],
    ['0168 123 4567', 'validation.phone.oldPrefix'],
    ['+1 202 555 0123', 'validation.phone.notVietnamese'],
  ],
  email: [
    ['', 'validation.required'],
    ['htx gmail.com', 'validation.email.format'],
    ['htx @gmail.com', 'validation.email.format'],
    ['a@b@gmail.com', 'validation.email.format'],
    ['@gmail.com', 'validation.email.format'],
    ['htx.gmail.com', 'validation.email.missingAt'],
    ['htx@gmail', 'validation.email.domain'],
    ['htx@gmail.com.', 'validation.email.domain'],
    ['htx@gmail,com', 'validation.email.domain'],
    ['htx@gmail.c', 'validation.email.domain'],
  ],
  taxCode: [
    ['', 'validation.required'],
    ['MST 0100233488', 'validation.taxCode.format'],
    ['010023348', 'validation.taxCode.format'],
    ['01002334888', 'validation.taxCode.format'],
    ['0100233488-01', 'validation.taxCode.format'],
    ['001087123456', 'validation.taxCode.format'],
    ['0100233480', 'validation.taxCode.checkDigit', { taxCode: '0100233480' }],
    ['0100233448', 'validation.taxCode.checkDigit', { taxCode: '0100233448' }],
    // Σ = 0 would need the check digit 10; neither 0 nor anything else may pass.
    ['0000000000', 'validation.taxCode.checkDigit', { taxCode: '0000000000' }],
    ['1000000080', 'validation.taxCode.checkDigit', { taxCode: '1000000080' }],
    ['0314409058-000', 'validation.taxCode.branch'],
  ],
  businessRegistration: [
    ['', 'validation.required'],
    ['Nguyễn Văn A', 'validation.businessRegistration.format'],
    ['01A8#12345', 'validation.businessRegistration.format'],
    ['HTX/ABC', 'validation.businessRegistration.digit'],
    ['01A8', 'validation.businessRegistration.length', { min: '5', max: '30' }],
    ['0'.repeat(31), 'validation.businessRegistration.length', { min: '5', max: '30' }],
  ],
  personalId: [
    ['', 'validation.required', undefined, { minimumAge: 15 }],
    ['CCCD 001090012345', 'profile.personalId.format', undefined, { minimumAge: 15 }],
    ['00109001234', 'profile.personalId.length', { length: '11' }, { minimumAge: 15 }],
    ['0010900123456', 'profile.personalId.length', { length: '13' }, { minimumAge: 15 }],
    ['097090012345', 'profile.personalId.province', { code: '097' }, { minimumAge: 15 }],
    ['000090012345', 'profile.personalId.province', { code: '000' }, { minimumAge: 15 }],
    ['001230012345', 'profile.personalId.bornInFuture', { year: '2030' }, { minimumAge: 15 }],
    ['001212012345', 'profile.personalId.tooYoung', { year: '2012', age: '15' }, { minimumAge: 15 }],
  ],
};

function run(name: AnswerValidatorName, input: string, options: unknown): ValidationResult<unknown> {
  return validateAnswer(name, options, input, context);
}

describe('answer validators', () => {
  for (const name of Object.keys(answerValidators) as AnswerValidatorName[]) {
    describe(name, () => {
      it.each(accepted[name])('accepts %j', (input, value, options) => {
        expect(run(name, input, options)).toEqual({ ok: true, value });
      });

      it.each(refused[name])('refuses %j with %s', (input, hintKey, vars, options) => {
        expect(run(name, input, options)).toEqual(vars ? { ok: false, hintKey, vars } : { ok: false, hintKey });
      });

      it('declares every hint it returns, and each exists in vi and en', () => {
        const returned = refused[name].map(([input, , , options]) => run(name, input, options)).flatMap((r) => (r.ok ? [] : [r.hintKey]));
        const declared = answerValidators[name].hintKeys;
        expect(new Set(returned)).toEqual(new Set(declared));
        for (const key of declared) {
          expect(dictionaries.vi[key], `vi ${key}`).toBeDefined();
          expect(dictionaries.en[key], `en ${key}`).toBeDefined();
        }
      });
    });
  }

  it('stores Vietnamese text in NFC whatever form it was typed in', () => {
    const nfd = 'Hợp tác xã Chè Tân Cương'.normalize('NFD');
    const result = run('text', nfd, { max: 24 });
    expect(result).toEqual({ ok: true, value: 'Hợp tác xã Chè Tân Cương' });
    expect(result.ok && result.value).toBe('Hợp tác xã Chè Tân Cương'.normalize('NFC'));
  });

  it('fills in the variables each hint template names', () => {
    for (const name of Object.keys(answerValidators) as AnswerValidatorName[]) {
      for (const [input, , , options] of refused[name]) {
        const result = run(name, input, options);
        if (result.ok) continue;
        for (const locale of ['vi', 'en'] as const) {
          const named = [...(dictionaries[locale][result.hintKey] ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
          expect(Object.keys(result.vars ?? {}).sort(), `${locale} ${result.hintKey}`).toEqual(expect.arrayContaining(named));
        }
      }
    }
  });

  it('parses options strictly, so a misspelt option in a flow file fails at start-up', () => {
    expect(answerValidators.text.options.safeParse({ mx: 10 }).success).toBe(false);
    expect(answerValidators.text.options.safeParse({ min: 10, max: 5 }).success).toBe(false);
    expect(answerValidators.number.options.safeParse({ min: 'một' }).success).toBe(false);
    expect(answerValidators.taxCode.options.parse({})).toEqual({ verifyCheckDigit: true });
  });
});
