import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { roundRuleSchema } from './evaluation-rounds.js';

// Provinces add their own council rules (lead time, score spread, quorum) on top of the
// rule set: data in rules/provinces.yaml, never literals in code.

/** Whom a producer can call about OCOP: a name (a unit or a person) and a phone written 0…. */
const contactSchema = z.strictObject({ name: z.string().min(2).max(200), phone: z.string().regex(/^0\d{9,10}$/, 'a phone written 0 followed by 9 or 10 digits') });

const settingsSchema = z.strictObject({
  leadWorkingDays: z.number().int().min(0).max(15),
  officeOpens: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time written hh:mm'),
  scoreSpread: z.number().min(0).max(100),
  /** rounds the province holds on top of the rule set's (Art. 5.1, second paragraph, of 26/2026) */
  extraRounds: z.array(roundRuleSchema),
  quorum: z.strictObject({ present: z.number().int().min(1), of: z.number().int().min(1), chairRequired: z.boolean() }).refine((q) => q.present <= q.of, 'present cannot exceed of'),
  /** the province OCOP unit's contact, given when no official can take a producer's request */
  ocopContact: contactSchema.nullable(),
  /** working days in which an official answers a producer's request to talk (the province's own service standard) */
  requestAnswerWorkingDays: z.number().int().min(1).max(15),
  /** each commune's OCOP contact (commune code → contact), preferred to the province's */
  communeContacts: z.record(z.string().regex(/^\d{5}$/, 'a five-digit commune code'), contactSchema),
});

export type OcopContact = z.infer<typeof contactSchema>;

/** The contact a producer of this commune should call: the commune's own, else the province unit's. */
export function ocopContactFor(settings: ProvinceSettings, communeCode: string): OcopContact | null {
  return settings.communeContacts[communeCode] ?? settings.ocopContact;
}

const fileSchema = z.strictObject({
  defaults: settingsSchema,
  provinces: z.record(z.string().regex(/^\d{2}$/, 'a two-digit province code'), settingsSchema.partial()).nullable().transform((p) => p ?? {}),
});

export type ProvinceSettings = z.infer<typeof settingsSchema>;

export class ProvinceSettingsError extends Error {
  override name = 'ProvinceSettingsError';
}

/** The settings of every province: its own entries over the defaults. */
export function loadProvinceSettings(file: string): (provinceCode: string) => ProvinceSettings {
  const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ProvinceSettingsError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { defaults, provinces } = parsed.data;
  return (provinceCode) => ({ ...defaults, ...(provinces[provinceCode] ?? {}) });
}
