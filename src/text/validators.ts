import { z } from 'zod';
import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { decodePersonalId } from './personal-id.js';
import { toNfc } from './normalize-input.js';

/** A failure names the locale key of the retry hint that says what was wrong. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; hintKey: string; vars?: Record<string, string> };

export interface ValidationContext {
  now: Date;
}

/**
 * One answer check a flow step names in its YAML. `options` parses the step's options
 * (absent options are `{}`); `hintKeys` lists every key `validate` can return, so start-up
 * and tests can check them against the locale files.
 */
export interface AnswerValidator<Options> {
  options: z.ZodType<Options>;
  hintKeys: readonly string[];
  validate(input: string, options: Options, context: ValidationContext): ValidationResult<unknown>;
}

const requiredHint = 'validation.required';

function fail(hintKey: string, vars?: Record<string, string>): ValidationResult<never> {
  return vars ? { ok: false, hintKey, vars } : { ok: false, hintKey };
}

function defineValidator<Options>(hints: Record<string, string>, validator: Omit<AnswerValidator<Options>, 'hintKeys'>): AnswerValidator<Options> {
  return { ...validator, hintKeys: [requiredHint, ...Object.values(hints)] };
}

/** NFC and trimmed: the form every validator starts from and every stored value keeps. */
function prepare(input: string): string {
  return toNfc(input).trim();
}

// Phones turn "-" into en or em dashes on their own; codes only ever mean a hyphen.
function toHyphens(text: string): string {
  return text.replace(/[\u2010-\u2015\u2212]/g, '-');
}

const lengthOptions = z
  .strictObject({ min: z.int().min(1).optional(), max: z.int().min(1).optional() })
  .refine((o) => o.min === undefined || o.max === undefined || o.min <= o.max, 'min must not exceed max');

const graphemes = new Intl.Segmenter('vi', { granularity: 'grapheme' });

/** Characters as a reader counts them: "ế" is one whether typed precomposed or not. */
function countCharacters(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

const textHints = { tooShort: 'validation.text.tooShort', tooLong: 'validation.text.tooLong' } as const;

const text = defineValidator(textHints, {
  options: lengthOptions,
  validate(input, options) {
    const value = prepare(input).replace(/\s+/g, ' ');
    if (value === '') return fail(requiredHint);
    const length = countCharacters(value);
    if (options.min !== undefined && length < options.min) return fail(textHints.tooShort, { min: String(options.min), length: String(length) });
    if (options.max !== undefined && length > options.max) return fail(textHints.tooLong, { max: String(options.max), length: String(length) });
    return { ok: true, value };
  },
});

const numberHints = {
  format: 'validation.number.format',
  ambiguous: 'validation.number.ambiguous',
  notInteger: 'validation.number.notInteger',
  tooSmall: 'validation.number.tooSmall',
  tooLarge: 'validation.number.tooLarge',
} as const;

/**
 * Reads a number as Vietnamese write it: "." or " " groups thousands and "," starts the
 * decimals ("1.500" = 1500, "2,5" = 2.5); "2.5" is read as a decimal only when one dot is
 * followed by 1–2 digits, which cannot be a thousands group. "1,500" alone is refused:
 * prices are often copied with English grouping, and guessing 1.5 for 1500 is worse than asking.
 */
function parseVietnameseNumber(text: string): number | 'ambiguous' | undefined {
  const match = /^([+-]?)\s*(.+)$/.exec(text.replace(/\s+/g, ' '));
  if (!match) return undefined;
  const [, sign = '', body = ''] = match;
  let plain: string | undefined;
  if (/^\d+$/.test(body)) plain = body;
  else if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(body)) plain = body.replace(/\./g, '').replace(',', '.');
  else if (/^\d{1,3}( \d{3})+(,\d+)?$/.test(body)) plain = body.replace(/ /g, '').replace(',', '.');
  else if (/^\d{1,3}(,\d{3}){2,}$/.test(body)) plain = body.replace(/,/g, '');
  else if (/^\d{1,3},\d{3}$/.test(body)) return 'ambiguous';
  else if (/^\d+,\d+$/.test(body)) plain = body.replace(',', '.');
  else if (/^\d+\.\d{1,2}$/.test(body)) plain = body;
  if (plain === undefined) return undefined;
  const value = Number(sign + plain);
  if (!Number.isFinite(value)) return undefined;
  return value === 0 ? 0 : value; // never -0
}

const number = defineValidator(numberHints, {
  options: z
    .strictObject({ min: z.number().optional(), max: z.number().optional(), integer: z.boolean().optional() })
    .refine((o) => o.min === undefined || o.max === undefined || o.min <= o.max, 'min must not exceed max'),
  validate(input, options) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const value = parseVietnameseNumber(prepared);
    if (value === 'ambiguous') return fail(numberHints.ambiguous, { input: prepared });
    if (value === undefined) return fail(numberHints.format);
    if (options.integer && !Number.isInteger(value)) return fail(numberHints.notInteger);
    if (options.min !== undefined && value < options.min) return fail(numberHints.tooSmall, { min: String(options.min) });
    if (options.max !== undefined && value > options.max) return fail(numberHints.tooLarge, { max: String(options.max) });
    return { ok: true, value };
  },
});

const dateHints = {
  format: 'validation.date.format',
  notReal: 'validation.date.notReal',
  inFuture: 'validation.date.inFuture',
  inPast: 'validation.date.inPast',
} as const;


const date = defineValidator(dateHints, {
  options: z.strictObject({ notFuture: z.boolean().optional(), notPast: z.boolean().optional() }),
  validate(input, options, context) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const match = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$/.exec(prepared.replace(/\s*([/.-])\s*/g, '$1'));
    if (!match) return fail(dateHints.format);
    const [, dayText = '', , monthText = '', yearText = ''] = match;
    const day = Number(dayText);
    const month = Number(monthText);
    const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
    // Day 0 of the next month is the last day of this one, leap years included.
    const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
    // A year before 1900 is a typo on any OCOP paper, not a date to store.
    if (year < 1900 || day < 1 || day > daysInMonth) return fail(dateHints.notReal, { date: prepared });
    const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const today = vietnamDateOf(context.now);
    if (options.notFuture && value > today) return fail(dateHints.inFuture, { today: displayDate(today) });
    if (options.notPast && value < today) return fail(dateHints.inPast, { today: displayDate(today) });
    return { ok: true, value };
  },
});

const phoneHints = {
  format: 'validation.phone.format',
  mobileLength: 'validation.phone.mobileLength',
  landlineLength: 'validation.phone.landlineLength',
  oldPrefix: 'validation.phone.oldPrefix',
  notVietnamese: 'validation.phone.notVietnamese',
} as const;

/** The national number without its leading 0, or the hint to give. */
function toNationalNumber(compact: string): string | { hintKey: string } {
  if (!/^\+?\d+$/.test(compact)) return { hintKey: phoneHints.format };
  let international: string | undefined;
  if (compact.startsWith('+')) {
    if (!compact.startsWith('+84')) return { hintKey: phoneHints.notVietnamese };
    international = compact.slice(3);
  } else if (compact.startsWith('0084')) international = compact.slice(4);
  else if (compact.startsWith('84')) international = compact.slice(2); // national numbers start with 0
  if (international !== undefined) return international.replace(/^0/, ''); // "+84 (0) 912…"
  if (compact.startsWith('0')) return compact.slice(1);
  return { hintKey: phoneHints.format };
}

const phone = defineValidator(phoneHints, {
  options: z.strictObject({}),
  validate(input) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const national = toNationalNumber(toHyphens(prepared).replace(/[\s.()-]/g, ''));
    if (typeof national !== 'string') return fail(national.hintKey);
    const first = national[0];
    if (first === '2') return national.length === 10 ? { ok: true, value: `84${national}` } : fail(phoneHints.landlineLength);
    if (first === '3' || first === '5' || first === '7' || first === '8' || first === '9') {
      return national.length === 9 ? { ok: true, value: `84${national}` } : fail(phoneHints.mobileLength);
    }
    // 11-digit 01x mobiles were renumbered in 2018 (0168 → 038, …); people still write the old ones.
    if (first === '1' && national.length === 10) return fail(phoneHints.oldPrefix);
    return fail(phoneHints.format);
  },
});

const emailHints = { format: 'validation.email.format', missingAt: 'validation.email.missingAt', domain: 'validation.email.domain' } as const;

const domainLabel = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

const email = defineValidator(emailHints, {
  options: z.strictObject({}),
  validate(input) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    if (/\s/.test(prepared)) return fail(emailHints.format);
    const parts = prepared.split('@');
    if (parts.length === 1) return fail(emailHints.missingAt);
    const [local = '', domain = ''] = parts;
    if (parts.length > 2 || local === '') return fail(emailHints.format);
    const labels = domain.toLowerCase().split('.');
    const topLevel = labels[labels.length - 1] ?? '';
    if (labels.length < 2 || !labels.every((label) => domainLabel.test(label)) || topLevel.length < 2) return fail(emailHints.domain);
    return { ok: true, value: `${local}@${labels.join('.')}` };
  },
});

const taxCodeHints = { format: 'validation.taxCode.format', checkDigit: 'validation.taxCode.checkDigit', branch: 'validation.taxCode.branch' } as const;

const taxCodeWeights = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

/**
 * The 10th digit of a mã số thuế is 10 − (Σ digitᵢ × weightᵢ mod 11) over the first nine;
 * a remainder of 0 would need the digit 10, so no valid code has one.
 */
function hasValidCheckDigit(code: string): boolean {
  const sum = taxCodeWeights.reduce((total, weight, i) => total + weight * Number(code[i]), 0);
  return 10 - (sum % 11) === Number(code[9]);
}

const taxCode = defineValidator(taxCodeHints, {
  // Published implementations disagree on the remainder-0 case, so a flow can turn the check off.
  options: z.strictObject({ verifyCheckDigit: z.boolean().default(true) }),
  validate(input, options) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const match = /^(\d{10})(?:-?(\d{3}))?$/.exec(toHyphens(prepared).replace(/[\s.]/g, ''));
    if (!match) return fail(taxCodeHints.format);
    const [, main = '', branch] = match;
    if (options.verifyCheckDigit && !hasValidCheckDigit(main)) return fail(taxCodeHints.checkDigit, { taxCode: main });
    if (branch === '000') return fail(taxCodeHints.branch);
    return { ok: true, value: branch === undefined ? main : `${main}-${branch}` };
  },
});

const businessRegistrationHints = { format: 'validation.businessRegistration.format', digit: 'validation.businessRegistration.digit', length: 'validation.businessRegistration.length' } as const;

const businessRegistrationLength = { min: 5, max: 30 } as const;

/** Certificate numbers of household businesses (hộ kinh doanh) and cooperatives (hợp tác xã). */
const businessRegistration = defineValidator(businessRegistrationHints, {
  options: z.strictObject({}),
  validate(input) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const value = toHyphens(prepared).replace(/\s+/g, '').toUpperCase();
    if (!/^[A-Z0-9Đ/-]+$/.test(value)) return fail(businessRegistrationHints.format);
    // Every certificate number carries digits; a name typed in its place has none, and the hint says so.
    if (!/\d/.test(value)) return fail(businessRegistrationHints.digit);
    if (value.length < businessRegistrationLength.min || value.length > businessRegistrationLength.max) {
      return fail(businessRegistrationHints.length, { min: String(businessRegistrationLength.min), max: String(businessRegistrationLength.max) });
    }
    return { ok: true, value };
  },
});

const personalIdHints = {
  format: 'profile.personalId.format',
  length: 'profile.personalId.length',
  province: 'profile.personalId.province',
  bornInFuture: 'profile.personalId.bornInFuture',
  tooYoung: 'profile.personalId.tooYoung',
} as const;

/**
 * The 12-digit personal ID (số định danh cá nhân) that stands in for a household's tax
 * code (src/registration/personal-id.ts has its structure). Only the year of birth is in
 * the number, so an age is refused only when it is surely below `minimumAge`: a person born
 * 15 years before this year may already be 15. Hints never repeat the number: it is
 * personal data.
 */
const personalId = defineValidator(personalIdHints, {
  options: z.strictObject({ minimumAge: z.int().min(0).max(100) }),
  validate(input, options, context) {
    const prepared = prepare(input);
    if (prepared === '') return fail(requiredHint);
    const digits = toHyphens(prepared).replace(/[\s.-]/g, '');
    if (!/^\d+$/.test(digits)) return fail(personalIdHints.format);
    const decoded = decodePersonalId(digits);
    if (!decoded.ok) {
      return decoded.problem === 'length' ? fail(personalIdHints.length, { length: String(digits.length) }) : fail(personalIdHints.province, { code: digits.slice(0, 3) });
    }
    const { birthYear } = decoded.parts;
    const thisYear = Number(vietnamDateOf(context.now).slice(0, 4));
    if (birthYear > thisYear) return fail(personalIdHints.bornInFuture, { year: String(birthYear) });
    if (thisYear - birthYear < options.minimumAge) return fail(personalIdHints.tooYoung, { year: String(birthYear), age: String(options.minimumAge) });
    return { ok: true, value: digits };
  },
});

/** The validators a flow step may name, by the name it uses. */
export const answerValidators = { text, number, date, phone, email, taxCode, businessRegistration, personalId };

export type AnswerValidatorName = keyof typeof answerValidators;

/**
 * Runs the named validator on one answer. The options come from the flow file, already
 * checked at start-up, so a bad one here is a programming error and throws.
 */
export function validateAnswer(name: AnswerValidatorName, rawOptions: unknown, input: string, context: ValidationContext): ValidationResult<unknown> {
  const validator: AnswerValidator<unknown> = answerValidators[name];
  return validator.validate(input, validator.options.parse(rawOptions ?? {}), context);
}

export function isAnswerValidatorName(name: string): name is AnswerValidatorName {
  return Object.hasOwn(answerValidators, name);
}

/** A flow step's validator options checked at start-up: the problem, or undefined. */
export function checkAnswerValidatorOptions(name: string, options: Record<string, unknown> | undefined): string | undefined {
  if (!isAnswerValidatorName(name)) return `unknown validator ${name}`;
  const validator: AnswerValidator<unknown> = answerValidators[name];
  const parsed = validator.options.safeParse(options ?? {});
  return parsed.success ? undefined : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
}
