import { z } from 'zod';
import { parseCalendarDate } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { OfficialRole, type CampaignDeadline } from '../db/generated/client.js';
import { anyCaller, defineOperation, officialsOnly, type Operation } from '../operations/operation.js';
import { civilDate, communeCode, idParams, idText, instant, isoOrNull, maybeInstant, nfcText } from '../operations/schemas.js';
import { cancelCampaignDeadline, createCampaignDeadline, listCampaignDeadlines } from './campaign-deadlines.js';

// Deadlines officials set for their region's officials, through the API: set one, list
// them, cancel one with its reminders not sent yet.

export interface CampaignDeadlineOperationsDeps {
  db: Database;
  now: () => Date;
}

const campaignDeadlineBody = z.strictObject({
  title: nfcText(1, 200),
  dueDate: z.iso.date().transform((value) => parseCalendarDate(value)),
  audience: z.array(z.enum(OfficialRole)).min(1).max(Object.keys(OfficialRole).length),
  remindWorkingDaysBefore: z.array(z.number().int().min(0).max(60)).min(1).max(10).default([5, 1]),
  communeCode: communeCode.optional(),
});

const deadlineAnswer = z.object({
  id: idText,
  provinceCode: z.string(),
  communeCode: z.string().nullable().meta({ description: 'null: every commune of the province' }),
  title: z.string(),
  dueDate: civilDate.meta({ description: 'the civil date in Vietnam' }),
  audience: z.array(z.enum(OfficialRole)),
  remindWorkingDaysBefore: z.array(z.number().int().min(0)).meta({ description: 'earliest first' }),
  createdBy: z.string(),
  createdAt: instant,
  cancelledAt: maybeInstant,
});

function toDeadlineAnswer(deadline: CampaignDeadline): z.input<typeof deadlineAnswer> {
  return {
    id: String(deadline.id),
    provinceCode: deadline.provinceCode,
    communeCode: deadline.communeCode,
    title: deadline.title,
    dueDate: deadline.dueDate,
    audience: deadline.audience,
    remindWorkingDaysBefore: deadline.remindWorkingDaysBefore,
    createdBy: deadline.createdBy,
    createdAt: deadline.createdAt.toISOString(),
    cancelledAt: isoOrNull(deadline.cancelledAt),
  };
}


export function campaignDeadlineOperations(deps: CampaignDeadlineOperationsDeps): Operation[] {
  return [
    defineOperation({
      id: 'createCampaignDeadline',
      method: 'post',
      path: '/campaign-deadlines',
      tag: 'campaign deadlines',
      summary: 'Set a deadline for the officials of the region',
      description:
        'The officials of the `audience` roles are reminded `remindWorkingDaysBefore` working days before `dueDate` (default 5 and 1). Without `communeCode` a province token sets it for every commune; a commune token always sets it for its own commune.',
      ...officialsOnly,
      body: campaignDeadlineBody,
      errors: ['campaign.inPast', 'campaign.commune'],
      answer: { status: 201, schema: deadlineAnswer, description: 'the deadline' },
      async handle({ caller, body }) {
        const deadline = await deps.db.$transaction((tx) => createCampaignDeadline(tx, { ...body, region: caller, createdBy: caller.name, now: deps.now() }));
        return toDeadlineAnswer(deadline);
      },
    }),
    defineOperation({
      id: 'listCampaignDeadlines',
      method: 'get',
      path: '/campaign-deadlines',
      tag: 'campaign deadlines',
      summary: "The region's deadlines, latest set first, cancelled ones included",
      description: "A commune token sees its commune's deadlines and the province's that concern every commune.",
      ...anyCaller,
      errors: [],
      answer: { status: 200, schema: z.object({ campaignDeadlines: z.array(deadlineAnswer) }), description: 'the deadlines' },
      async handle({ caller }) {
        return { campaignDeadlines: (await listCampaignDeadlines(deps.db, caller)).map(toDeadlineAnswer) };
      },
    }),
    defineOperation({
      id: 'cancelCampaignDeadline',
      method: 'post',
      path: '/campaign-deadlines/:id/cancel',
      tag: 'campaign deadlines',
      summary: 'Cancel a deadline and its reminders not sent yet',
      ...officialsOnly,
      params: idParams,
      paramsDescription: { id: 'the campaign deadline' },
      errors: ['campaign.notFound', 'campaign.cancelled', 'campaign.notOwned'],
      answer: {
        status: 200,
        schema: deadlineAnswer.extend({ cancelledNotifications: z.number().int().min(0).meta({ description: 'planned reminders cancelled' }) }),
        description: 'the cancelled deadline',
      },
      async handle({ caller, params }) {
        const { deadline, cancelledNotifications } = await deps.db.$transaction((tx) => cancelCampaignDeadline(tx, { id: params.id, region: caller, actor: `admin:${caller.name}`, now: deps.now() }));
        return { ...toDeadlineAnswer(deadline), cancelledNotifications };
      },
    }),
  ];
}
