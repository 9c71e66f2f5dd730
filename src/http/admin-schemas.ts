import { z } from 'zod';

// The admin API's request shapes: parsed by its routes, and described from the same
// schemas in its OpenAPI document.

// Ids fit in 18 digits here, so they never overflow Postgres' bigint.
export const idSchema = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, 'expected a positive integer id')
  .transform((value) => BigInt(value));
export const nfcText = (min: number, max: number) =>
  z
    .string()
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(min).max(max));

export const listIdeasQuery = z.strictObject({
  status: z.enum(['submitted', 'accepted', 'returned']).optional(),
  communeCode: z
    .string()
    .regex(/^\d{5}$/, 'a commune code has 5 digits')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: idSchema.optional(),
});
export const ideaParams = z.object({ id: idSchema });
export const returnBody = z.strictObject({ reason: nfcText(5, 1000) });
export const returnItemsBody = z.strictObject({
  items: z
    .array(z.strictObject({ item: z.string().min(1).max(100), reason: nfcText(5, 500) }))
    .min(1)
    .max(30)
    .superRefine((items, ctx) => {
      items.forEach(({ item }, index) => {
        if (items.findIndex((other) => other.item === item) < index) ctx.addIssue({ code: 'custom', path: [index, 'item'], message: `${item} is listed twice` });
      });
    }),
});
// Form 03 arrives as the bare file; its bytes, not this header, decide what is stored.
export const form03Types = ['application/pdf', 'image/jpeg', 'image/png'];
export const inviteBody = z.strictObject({
  name: nfcText(1, 200),
  role: z.enum(['province', 'commune']),
  communeCode: z
    .string()
    .regex(/^\d{5}$/, 'a commune code has 5 digits')
    .optional(),
});

