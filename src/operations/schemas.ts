import { z } from 'zod';

// The pieces every operation's schemas are made of: ids as strings (64-bit, so never a JSON
// number), text normalised before it is measured, instants and civil dates as the API
// writes them.

// Ids fit in 18 digits here, so they never overflow Postgres' bigint.
export const idSchema = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, 'expected a positive integer id')
  .transform((value) => BigInt(value));
export const idParams = z.object({ id: idSchema });

export const nfcText = (min: number, max: number) =>
  z
    .string()
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(min).max(max));

export const communeCode = z.string().regex(/^\d{5}$/, 'a commune code has 5 digits');

/** An id as the API answers it. */
export const idText = z.string().regex(/^[1-9]\d*$/).meta({ description: 'a 64-bit id, written as a string' });
export const maybeIdText = idText.nullable();
export const instant = z.iso.datetime();
export const maybeInstant = instant.nullable();
/** The civil date in Vietnam, YYYY-MM-DD. */
export const civilDate = z.iso.date();
export const sha256Text = z.string().regex(/^[0-9a-f]{64}$/);
/** Whatever JSON was recorded. */
export const anyJson = z.unknown();

export const isoOrNull = (at: Date | null): string | null => at?.toISOString() ?? null;
export const idOrNull = (id: bigint | null): string | null => (id === null ? null : String(id));
