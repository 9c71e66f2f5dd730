import { z } from 'zod';
import { parseCalendarDate } from '../calendar/calendar-date.js';
import { NotificationState, OfficialRole, RecipientKind } from '../db/generated/enums.js';
import { maxImportRows } from '../notify/certified-products.js';
import { maxNotificationsPerPage } from '../notify/manage-notifications.js';

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
export const idParams = z.object({ id: idSchema });
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


const communeCode = z.string().regex(/^\d{5}$/, 'a commune code has 5 digits');
const calendarDate = z.iso.date().transform((value) => parseCalendarDate(value));

export const listNotificationsQuery = z
  .strictObject({
    state: z.enum(NotificationState).optional(),
    kind: z.string().min(1).max(100).optional(),
    recipientKind: z.enum(RecipientKind).optional(),
    recipientId: idSchema.optional(),
    productIdeaId: idSchema.optional(),
    meetingId: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(maxNotificationsPerPage).default(50),
    after: idSchema.optional(),
  })
  .refine((query) => query.recipientId === undefined || query.recipientKind !== undefined, { message: 'recipientId needs recipientKind', path: ['recipientId'] });
export const snoozeBody = z.strictObject({ until: z.iso.datetime({ offset: true }).transform((value) => new Date(value)) });

export const campaignDeadlineBody = z.strictObject({
  title: nfcText(1, 200),
  dueDate: calendarDate,
  audience: z.array(z.enum(OfficialRole)).min(1).max(Object.keys(OfficialRole).length),
  remindWorkingDaysBefore: z.array(z.number().int().min(0).max(60)).min(1).max(10).default([5, 1]),
  communeCode: communeCode.optional(),
});

const importCell = z.string().max(1000);
const optionalCell = importCell.nullish();
// Only the shape is checked here: what each cell says is checked row by row by the import,
// which answers with every problem and its row.
export const certifiedProductsBody = z.strictObject({
  rows: z
    .array(
      z.strictObject({
        productName: importCell,
        producerName: importCell,
        producerPhone: optionalCell,
        communeCode: importCell,
        stars: z.union([z.number(), importCell]),
        certificateNumber: optionalCell,
        certifiedOn: importCell,
        expiresOn: optionalCell,
        ruleSet: optionalCell,
      }),
    )
    .min(1)
    .max(maxImportRows),
});
export const listCertifiedProductsQuery = z.strictObject({
  communeCode: communeCode.optional(),
  expiringBefore: calendarDate.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: idSchema.optional(),
});
