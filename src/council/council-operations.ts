import { z } from 'zod';
import type { Database } from '../db/database.js';
import { CouncilLevel, CouncilRole, MeetingStatus, type EvaluationResult, type Meeting, type ProductIdea } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import type { Translate } from '../i18n/translator.js';
import { averageOf, partMaxima } from '../ocop/scoring.js';
import { defineFileOperation, defineOperation, type Operation } from '../operations/operation.js';
import { civilDate, idParams, idSchema, idText, instant, nfcText } from '../operations/schemas.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { reinviteCouncilPerson } from './council-people.js';
import { createCouncil, type CreatedMember } from './create-council.js';
import { reportMeetingDeliveries } from './delivery-report.js';
import { recordResults, type EvaluationRules } from './evaluation-results.js';
import { renderMeetingDeliveryReport } from './render-delivery-report.js';
import { cancelMeeting, moveMeeting, scheduleMeeting, type MeetingRules } from './schedule-meeting.js';

// Councils and their meetings through the officials' API. The province OCOP unit creates
// councils with their chair, members, helper team and secretary (each new person gets a
// one-time code to link their Zalo account); the unit and council secretaries schedule,
// move, cancel and lock meetings, read the proof of delivery and record the results.
// Commune tokens see no councils.

export interface CouncilOperationsDeps {
  db: Database;
  now: () => Date;
  invitationTtlHours: number;
  translate: Translate;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** The working calendar and provinces' settings; the meeting operations answer 503 without them. */
  meetings?: MeetingRules;
  /** Sends a meeting's dossiers to its council (returns outbox ids); locking answers 503 without it. */
  distribute?: (meetingId: bigint) => Promise<bigint[]>;
  /** The rule sets and provinces' settings (quorum, score spread); the results operations answer 503 without them. */
  evaluation?: EvaluationRules;
}

const phone = z.string().regex(/^84\d{9,10}$/, 'a phone number written 84…');
const role = z.enum(['chair', 'member', 'helper', 'secretary']);
const newPerson = z.strictObject({ name: nfcText(2, 120), phone: phone.optional(), role });
const existingPerson = z.strictObject({ personId: idSchema, role });

const createCouncilBody = z
  .strictObject({
    name: nfcText(3, 200),
    level: z.enum(['district', 'province', 'central']),
    year: z.number().int().min(2020).max(2100),
    members: z.array(z.union([newPerson, existingPerson])).min(3).max(60),
  })
  .refine((b) => b.members.filter((m) => m.role === 'chair').length === 1, { message: 'a council has exactly one chair', path: ['members'] })
  .refine((b) => b.members.some((m) => m.role === 'secretary'), { message: 'a council needs a secretary', path: ['members'] });

const ideaIds = z.array(idSchema).min(1).max(100);
const meetingBody = z.strictObject({
  date: z.iso.date(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time written hh:mm'),
  place: nfcText(3, 300),
  products: ideaIds,
});
const moveBody = meetingBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to change');
const hasTwoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;
const points = (max: number) => z.number().min(0).max(max).refine(hasTwoDecimals, 'at most two decimals');
const resultsBody = z
  .strictObject({
    /** the chair and members present; helpers and the secretary do not score */
    present: z.array(idSchema).min(1).max(60),
    products: z
      .array(
        z.strictObject({
          productIdeaId: idSchema,
          scores: z
            .array(z.strictObject({ personId: idSchema, score: points(100), parts: z.strictObject({ a: points(partMaxima.a), b: points(partMaxima.b), c: points(partMaxima.c) }).optional() }))
            .min(1)
            .max(60),
        }),
      )
      .min(1)
      .max(100),
    /** replaces these products' current results (kept as history); the producers are told again */
    correction: z.strictObject({ reason: nfcText(5, 500) }).optional(),
  })
  .meta({ description: '`present`: council person ids; `productIdeaId`: idea ids of the meeting' });

const invitationCode = z
  .string()
  .regex(/^OCOP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/)
  .meta({ description: 'one-time: the person sends it to the OA from their own Zalo account to link it' });
const personAnswer = z.object({ personId: idText, name: z.string(), role: z.enum(CouncilRole), linked: z.boolean(), invitationCode: invitationCode.optional(), invitationExpiresAt: instant.optional() });
const councilAnswer = z.object({ id: idText, name: z.string(), level: z.enum(CouncilLevel), year: z.number().int(), members: z.array(personAnswer) });
const meetingAnswer = z.object({
  id: idText,
  councilId: idText,
  date: civilDate.meta({ description: 'the civil date in Vietnam' }),
  time: z.string().regex(/^\d{2}:\d{2}$/).meta({ description: 'hh:mm in Vietnam' }),
  place: z.string(),
  status: z.enum(MeetingStatus),
  leadWorkingDays: z.number().int().min(0),
  deliveryDeadline: instant.meta({ description: 'every member must have the dossiers by then: before office hours, leadWorkingDays working days ahead' }),
  products: z.array(idText).optional().meta({ description: 'the ideas evaluated' }),
});
const storedScores = z.array(z.looseObject({ personId: idText, score: z.number(), parts: z.object({ a: z.number(), b: z.number(), c: z.number() }).optional() }));
const resultAnswer = z.object({
  productIdeaId: idText,
  productName: z.string(),
  receiptNumber: z.string(),
  ruleSet: z.string().meta({ description: 'the rule set the product is evaluated under (rules/rule-sets.yaml)' }),
  revision: z.number().int().min(1).meta({ description: '1 as first recorded, one more per correction' }),
  correctionReason: z.string().nullable().meta({ description: 'why it was corrected' }),
  average: z.string().regex(/^\d{1,3}\.\d{2}$/).meta({ description: "the members' average, cut (never rounded) to two decimals" }),
  stars: z.number().int().min(1).max(5).meta({ description: "from the rule set's bands on the exact sum of the scores" }),
  certifyingLevel: z.enum(CouncilLevel).nullable().meta({ description: 'the level that certifies these stars; null when they earn no certificate' }),
  present: z.array(idText).meta({ description: 'the chair and members present' }),
  scores: storedScores,
  recordedBy: z.string(),
  recordedAt: instant,
});
const resultsAnswer = z.object({ meetingId: idText, results: z.array(resultAnswer) });
const deliveryAnswer = z.object({
  person: z.string(),
  role: z.string(),
  product: z.string().nullable().meta({ description: 'null for the meeting details' }),
  packetVersion: z.number().int().nullable(),
  packetSha256: z.string().nullable(),
  channel: z.enum(['cs', 'template', 'zns', 'none']),
  status: z.enum(['queued', 'sent', 'received', 'seen', 'acknowledged', 'unreachable', 'superseded', 'failed']),
  sentAt: instant.nullable(),
  receivedAt: instant.nullable(),
  seenAt: instant.nullable(),
  acknowledgedAt: instant.nullable(),
});

function toMeetingAnswer(meeting: Meeting & { products?: { productIdeaId: bigint }[] }): z.input<typeof meetingAnswer> {
  return {
    id: String(meeting.id),
    councilId: String(meeting.councilId),
    date: meeting.date,
    time: meeting.time,
    place: meeting.place,
    status: meeting.status,
    leadWorkingDays: meeting.leadWorkingDays,
    deliveryDeadline: meeting.deliveryDeadline.toISOString(),
    ...(meeting.products ? { products: meeting.products.map((p) => String(p.productIdeaId)) } : {}),
  };
}

function toResultAnswer(result: EvaluationResult & { productIdea: Pick<ProductIdea, 'productName' | 'receiptNumber'> }): z.input<typeof resultAnswer> {
  return {
    productIdeaId: String(result.productIdeaId),
    productName: result.productIdea.productName,
    receiptNumber: result.productIdea.receiptNumber,
    ruleSet: result.ruleSet,
    revision: result.revision,
    correctionReason: result.correctionReason,
    average: averageOf(result.scoreSumHundredths, result.scoreCount),
    stars: result.stars,
    certifyingLevel: result.certifyingLevel,
    present: result.presentIds.map(String),
    scores: storedScores.parse(result.scores),
    recordedBy: result.recordedBy,
    recordedAt: result.recordedAt.toISOString(),
  };
}

function toPersonAnswer(entry: CreatedMember): z.input<typeof personAnswer> {
  return {
    personId: String(entry.person.id),
    name: entry.person.name,
    role: entry.role,
    linked: entry.person.zaloUserId !== null,
    ...(entry.invitationCode ? { invitationCode: entry.invitationCode, invitationExpiresAt: entry.expiresAt?.toISOString() } : {}),
  };
}

const provinceOnly = ['province'] as const;
const meetingRunners = ['province', 'secretary'] as const;
const councilRefusal = 'councils are managed by the province OCOP unit';
const meetingRefusal = 'meetings are run by the province OCOP unit and council secretaries';
const meetingPath = { id: 'the meeting' };

export function councilOperations(deps: CouncilOperationsDeps): Operation[] {
  function meetingRules(): MeetingRules {
    if (!deps.meetings) throw new Refusal('service.unavailable', 'meetings are not scheduled here');
    return deps.meetings;
  }

  async function requireMeeting(id: bigint, provinceCode: string) {
    const meeting = await deps.db.meeting.findFirst({ where: { id, council: { provinceCode } }, include: { council: true } });
    if (!meeting) throw new Refusal('meeting.notFound', 'no such meeting');
    return meeting;
  }

  async function currentResults(meetingId: bigint, productIdeaIds?: bigint[]) {
    // Current results; corrected ones stay in the table and in each dossier's history.
    const results = await deps.db.evaluationResult.findMany({
      where: { meetingId, supersededAt: null, ...(productIdeaIds ? { productIdeaId: { in: productIdeaIds } } : {}) },
      include: { productIdea: true },
      orderBy: { id: 'asc' },
    });
    return { meetingId: String(meetingId), results: results.map(toResultAnswer) };
  }

  return [
    defineOperation({
      id: 'createCouncil',
      method: 'post',
      path: '/councils',
      tag: 'councils',
      summary: 'Create an evaluation council of the province',
      description:
        'Exactly one chair and at least one secretary. A member is a new person (`name`, `phone`?) or one already known in the province (`personId`); a person may sit on several councils, but appears once in each.',
      roles: provinceOnly,
      refusal: councilRefusal,
      body: createCouncilBody,
      errors: ['council.personUnknown', 'council.personTwice'],
      answer: { status: 201, schema: councilAnswer.extend({ provinceCode: z.string() }), description: 'the council; each new person has a one-time invitation code' },
      async handle({ caller, body }) {
        const result = await deps.db.$transaction((tx) =>
          createCouncil(tx, { name: body.name, level: body.level, year: body.year, provinceCode: caller.provinceCode, createdBy: caller.name, members: body.members, now: deps.now(), ttlHours: deps.invitationTtlHours }),
        );
        const { council } = result;
        return { id: String(council.id), name: council.name, level: council.level, year: council.year, provinceCode: council.provinceCode, members: result.members.map(toPersonAnswer) };
      },
    }),
    defineOperation({
      id: 'listCouncils',
      method: 'get',
      path: '/councils',
      tag: 'councils',
      summary: "The province's councils, newest first, each member with `linked`",
      roles: meetingRunners,
      refusal: meetingRefusal,
      errors: [],
      answer: { status: 200, schema: z.object({ councils: z.array(councilAnswer) }), description: 'the councils' },
      async handle({ caller }) {
        const councils = await deps.db.council.findMany({ where: { provinceCode: caller.provinceCode }, include: { members: { include: { person: true } } }, orderBy: { id: 'desc' } });
        return { councils: councils.map((c) => ({ id: String(c.id), name: c.name, level: c.level, year: c.year, members: c.members.map((m) => toPersonAnswer({ person: m.person, role: m.role })) })) };
      },
    }),
    defineOperation({
      id: 'scheduleMeeting',
      method: 'post',
      path: '/councils/:id/meetings',
      tag: 'meetings',
      summary: 'Schedule a meeting of the council',
      description: 'Only ideas whose dossier the commune checked. The answer states the delivery deadline, per rules/calendar.yaml and rules/provinces.yaml.',
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: { id: 'the council' },
      body: meetingBody,
      errors: ['council.notFound', 'meeting.tooSoon', 'meeting.productsNotReady', 'service.unavailable'],
      answer: { status: 201, schema: meetingAnswer, description: 'the meeting, with its products' },
      async handle({ caller, params, body }) {
        const rules = meetingRules();
        const meeting = await deps.db.$transaction(async (tx) => {
          const council = await tx.council.findFirst({ where: { id: params.id, provinceCode: caller.provinceCode } });
          if (!council) throw new Refusal('council.notFound', 'no such council');
          return scheduleMeeting(tx, rules, { councilId: params.id, provinceCode: caller.provinceCode, date: body.date, time: body.time, place: body.place, productIdeaIds: body.products, by: caller.name, now: deps.now() });
        });
        return toMeetingAnswer({ ...meeting, products: body.products.map((productIdeaId) => ({ productIdeaId })) });
      },
    }),
    defineOperation({
      id: 'moveMeeting',
      method: 'patch',
      path: '/meetings/:id',
      tag: 'meetings',
      summary: 'Move a meeting or change its products',
      description: 'At least one field. The delivery deadline is computed again.',
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      body: moveBody,
      errors: ['meeting.notFound', 'meeting.tooSoon', 'meeting.productsNotReady', 'service.unavailable'],
      answer: { status: 200, schema: meetingAnswer, description: 'the meeting' },
      async handle({ caller, params, body }) {
        const rules = meetingRules();
        const meeting = await deps.db.$transaction((tx) =>
          moveMeeting(tx, rules, {
            meetingId: params.id,
            provinceCode: caller.provinceCode,
            now: deps.now(),
            ...(body.date ? { date: body.date } : {}),
            ...(body.time ? { time: body.time } : {}),
            ...(body.place ? { place: body.place } : {}),
            ...(body.products ? { productIdeaIds: body.products } : {}),
          }),
        );
        return toMeetingAnswer(meeting);
      },
    }),
    defineOperation({
      id: 'cancelMeeting',
      method: 'post',
      path: '/meetings/:id/cancel',
      tag: 'meetings',
      summary: 'Cancel a meeting',
      description: 'Every member linked to Zalo is told in their language.',
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      errors: ['meeting.notFound'],
      answer: { status: 200, schema: z.object({ id: idText, status: z.literal('cancelled'), told: z.number().int().min(0).meta({ description: 'messages queued' }) }), description: 'cancelled' },
      async handle({ caller, params, log }) {
        const outboxIds = await deps.db.$transaction((tx) => cancelMeeting(tx, { meetingId: params.id, provinceCode: caller.provinceCode, now: deps.now(), translate: deps.translate }));
        // Committed: if Redis is away, the sweep sends the pending rows later.
        await enqueueCommitted(deps.enqueueOutbound, outboxIds, log);
        return { id: String(params.id), status: 'cancelled' as const, told: outboxIds.length };
      },
    }),
    defineOperation({
      id: 'lockMeeting',
      method: 'post',
      path: '/meetings/:id/lock',
      tag: 'meetings',
      summary: 'Make the product list final and send the dossiers to the council',
      description:
        "Every council person linked to Zalo receives the meeting details, then each product's packet link; the secretary is told at once who cannot be reached. Run again, it sends only what changed.",
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      errors: ['meeting.notFound', 'service.unavailable'],
      answer: { status: 200, schema: z.object({ id: idText, status: z.literal('locked'), messages: z.number().int().min(0).meta({ description: 'messages queued' }) }), description: 'locked' },
      async handle({ caller, params, log }) {
        const distribute = deps.distribute;
        if (!distribute) throw new Refusal('service.unavailable', 'dossiers are not distributed here');
        const meeting = await deps.db.meeting.findFirst({ where: { id: params.id, council: { provinceCode: caller.provinceCode }, status: { not: 'cancelled' } } });
        if (!meeting) throw new Refusal('meeting.notFound', 'no such meeting');
        const outboxIds = await distribute(params.id);
        await enqueueCommitted(deps.enqueueOutbound, outboxIds, log);
        return { id: String(params.id), status: 'locked' as const, messages: outboxIds.length };
      },
    }),
    defineOperation({
      id: 'listMeetingDeliveries',
      method: 'get',
      path: '/meetings/:id/deliveries',
      tag: 'meetings',
      summary: 'Proof of delivery, per person and product',
      description: "The packet version and SHA-256 sent, and when it was sent, received and seen (Zalo's receipts) and acknowledged.",
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      errors: ['meeting.notFound'],
      answer: { status: 200, schema: z.object({ meeting: meetingAnswer, deliveries: z.array(deliveryAnswer) }), description: 'the deliveries' },
      async handle({ caller, params }) {
        const meeting = await requireMeeting(params.id, caller.provinceCode);
        const deliveries = await reportMeetingDeliveries(deps.db, params.id);
        return {
          meeting: toMeetingAnswer(meeting),
          deliveries: deliveries.map((d) => ({
            ...d,
            channel: deliveryAnswer.shape.channel.parse(d.channel),
            sentAt: d.sentAt?.toISOString() ?? null,
            receivedAt: d.receivedAt?.toISOString() ?? null,
            seenAt: d.seenAt?.toISOString() ?? null,
            acknowledgedAt: d.acknowledgedAt?.toISOString() ?? null,
          })),
        };
      },
    }),
    defineFileOperation({
      id: 'getMeetingDeliveriesPdf',
      method: 'get',
      path: '/meetings/:id/deliveries.pdf',
      tag: 'meetings',
      summary: 'The same proof of delivery as a PDF, in Vietnamese, for the meeting minutes',
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      errors: ['meeting.notFound'],
      answer: { mediaType: 'application/pdf', description: 'the report, as an attachment' },
      async handle({ caller, params }) {
        const meeting = await requireMeeting(params.id, caller.provinceCode);
        return { bytes: await renderMeetingDeliveryReport(deps.db, deps.translate, meeting, deps.now()), fileName: `bien-ban-giao-ho-so-${params.id}.pdf` };
      },
    }),
    defineOperation({
      id: 'recordMeetingResults',
      method: 'post',
      path: '/meetings/:id/results',
      tag: 'meetings',
      summary: "Record the council's scores after the meeting: every product once, all or none",
      description:
        'On or after the meeting day. The chair and members present must make the quorum of rules/provinces.yaml (default 3/4 with the chair); each of them scores each product out of 100 (parts A ≤ 40, B ≤ 25, C ≤ 35 when given; at most two decimals); scores of one product may not spread wider than `scoreSpread` (default 10). Each producer is then told their result in their language. A product has one current result: to change it, send the same body with `correction: { reason }`; the result it replaces is kept (superseded) and the producer is told the corrected one with the reason.',
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      body: resultsBody,
      errors: ['meeting.notFound', 'results.meetingNotHeld', 'results.input', 'results.noQuorum', 'results.scoreSpread', 'results.alreadyRecorded', 'service.unavailable'],
      answer: { status: 201, schema: resultsAnswer, description: 'the results recorded' },
      async handle({ caller, params, body }) {
        const evaluation = deps.evaluation;
        if (!evaluation) throw new Refusal('service.unavailable', 'results are not recorded here');
        await deps.db.$transaction((tx) =>
          recordResults(tx, evaluation, { meetingId: params.id, provinceCode: caller.provinceCode, present: body.present, products: body.products, correction: body.correction, by: caller.name, now: deps.now() }),
        );
        return currentResults(
          params.id,
          body.products.map((p) => p.productIdeaId),
        );
      },
    }),
    defineOperation({
      id: 'listMeetingResults',
      method: 'get',
      path: '/meetings/:id/results',
      tag: 'meetings',
      summary: "The meeting's current results (corrected ones stay in each dossier's history)",
      roles: meetingRunners,
      refusal: meetingRefusal,
      params: idParams,
      paramsDescription: meetingPath,
      errors: ['meeting.notFound'],
      answer: { status: 200, schema: resultsAnswer, description: 'the results' },
      async handle({ caller, params }) {
        await requireMeeting(params.id, caller.provinceCode);
        return currentResults(params.id);
      },
    }),
    defineOperation({
      id: 'reinviteCouncilPerson',
      method: 'post',
      path: '/council-people/:id/invitation',
      tag: 'councils',
      summary: 'A new invitation code for someone who lost theirs',
      description: 'The old code stops working.',
      roles: provinceOnly,
      refusal: councilRefusal,
      params: idParams,
      paramsDescription: { id: 'the council person' },
      errors: ['councilPerson.notFound'],
      answer: { status: 201, schema: z.object({ personId: idText, invitationCode, invitationExpiresAt: instant }), description: 'the new code' },
      async handle({ caller, params }) {
        const result = await deps.db.$transaction(async (tx) => {
          const person = await tx.councilPerson.findFirst({ where: { id: params.id, provinceCode: caller.provinceCode } });
          if (!person) throw new Refusal('councilPerson.notFound', 'no such person');
          return reinviteCouncilPerson(tx, { personId: params.id, now: deps.now(), ttlHours: deps.invitationTtlHours });
        });
        return { personId: String(params.id), invitationCode: result.invitationCode, invitationExpiresAt: result.expiresAt.toISOString() };
      },
    }),
  ];
}
