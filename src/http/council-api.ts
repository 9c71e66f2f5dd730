import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { ApiTokenScope } from '../admin/api-tokens.js';
import { reinviteCouncilPerson } from '../council/council-people.js';
import { createCouncil, type CreatedMember } from '../council/create-council.js';
import type { Database } from '../db/database.js';
import { reportMeetingDeliveries } from '../council/delivery-report.js';
import { renderMeetingDeliveryReport } from '../council/render-delivery-report.js';
import { recordResults, type EvaluationRules } from '../council/evaluation-results.js';
import { cancelMeeting, moveMeeting, scheduleMeeting, type MeetingRules } from '../council/schedule-meeting.js';
import type { CouncilPerson, CouncilRole, EvaluationResult, Meeting, ProductIdea } from '../db/generated/client.js';
import type { Translate } from '../i18n/translator.js';
import { averageOf, partMaxima } from '../ocop/scoring.js';
import type { Logger } from '../observability/logger.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { parseInput } from './parse-input.js';
import { HttpError } from './http-error.js';

export interface CouncilApiDeps {
  db: Database;
  now: () => Date;
  invitationTtlHours: number;
  translate: Translate;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** where a deferred enqueue is noted (the sweep sends the rows later) */
  logger: Logger;
  /** The working calendar and provinces' settings; the meeting routes answer 503 without them. */
  meetings?: MeetingRules;
  /** Sends a meeting's dossiers to its council (returns outbox ids); the lock route answers 503 without it. */
  distribute?: (meetingId: bigint) => Promise<bigint[]>;
  /** The rule sets and provinces' settings (quorum, score spread); the results routes answer 503 without them. */
  evaluation?: EvaluationRules;
}

/** A 64-bit id written as a string, as every id in the API is. */
const numericId = z.string().regex(/^[1-9]\d{0,17}$/).transform((v) => BigInt(v));
export const idParam = z.object({ id: numericId });
const nfc = (min: number, max: number) =>
  z
    .string()
    .transform((v) => v.normalize('NFC').trim())
    .pipe(z.string().min(min).max(max));
const phone = z.string().regex(/^84\d{9,10}$/, 'a phone number written 84…');
const role = z.enum(['chair', 'member', 'helper', 'secretary']);
const newPerson = z.strictObject({ name: nfc(2, 120), phone: phone.optional(), role });
const existingPerson = z.strictObject({ personId: numericId, role });

export const createCouncilBody = z
  .strictObject({
    name: nfc(3, 200),
    level: z.enum(['district', 'province', 'central']),
    year: z.number().int().min(2020).max(2100),
    members: z.array(z.union([newPerson, existingPerson])).min(3).max(60),
  })
  .refine((b) => b.members.filter((m) => m.role === 'chair').length === 1, { message: 'a council has exactly one chair', path: ['members'] })
  .refine((b) => b.members.some((m) => m.role === 'secretary'), { message: 'a council needs a secretary', path: ['members'] });

const ideaIds = z.array(numericId).min(1).max(100);
export const meetingBody = z.strictObject({
  date: z.iso.date(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time written hh:mm'),
  place: nfc(3, 300),
  products: ideaIds,
});
const hasTwoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;
const points = (max: number) => z.number().min(0).max(max).refine(hasTwoDecimals, 'at most two decimals');
export const resultsBody = z.strictObject({
  /** the chair and members present; helpers and the secretary do not score */
  present: z.array(numericId).min(1).max(60),
  products: z
    .array(
      z.strictObject({
        productIdeaId: numericId,
        scores: z
          .array(z.strictObject({ personId: numericId, score: points(100), parts: z.strictObject({ a: points(partMaxima.a), b: points(partMaxima.b), c: points(partMaxima.c) }).optional() }))
          .min(1)
          .max(60),
      }),
    )
    .min(1)
    .max(100),
  /** replaces these products' current results (kept as history); the producers are told again */
  correction: z.strictObject({ reason: nfc(5, 500) }).optional(),
});
export const moveBody = meetingBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to change');

function meetingJson(meeting: Meeting & { products?: { productIdeaId: bigint }[] }) {
  return {
    id: String(meeting.id),
    councilId: String(meeting.councilId),
    date: meeting.date,
    time: meeting.time,
    place: meeting.place,
    status: meeting.status,
    leadWorkingDays: meeting.leadWorkingDays,
    deliveryDeadline: meeting.deliveryDeadline,
    ...(meeting.products ? { products: meeting.products.map((p) => String(p.productIdeaId)) } : {}),
  };
}

function resultJson(result: EvaluationResult & { productIdea: Pick<ProductIdea, 'productName' | 'receiptNumber'> }) {
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
    scores: result.scores,
    recordedBy: result.recordedBy,
    recordedAt: result.recordedAt,
  };
}


type Invited = CreatedMember;

function personJson(entry: Invited) {
  return {
    personId: String(entry.person.id),
    name: entry.person.name,
    role: entry.role,
    linked: entry.person.zaloUserId !== null,
    ...(entry.invitationCode ? { invitationCode: entry.invitationCode, invitationExpiresAt: entry.expiresAt } : {}),
  };
}

/**
 * Councils through the admin API: the province OCOP unit creates them with their chair,
 * members, helper team and secretary; each new person gets a one-time code to link their
 * Zalo account. Commune tokens see no councils.
 */
export function registerCouncilRoutes(router: Router, deps: CouncilApiDeps, scopeOf: (req: Request) => ApiTokenScope): void {
  /** Councils are the province OCOP unit's; their secretaries run the meetings. */
  function provinceScope(req: Request, secretaryToo = false): ApiTokenScope & { role: 'province' | 'secretary' } {
    const scope = scopeOf(req);
    if (scope.role === 'province' || (secretaryToo && scope.role === 'secretary')) return scope;
    throw new HttpError('forbidden', secretaryToo ? 'meetings are run by the province OCOP unit and council secretaries' : 'councils are managed by the province OCOP unit');
  }

  router.post('/councils', async (req: Request, res: Response) => {
    const scope = provinceScope(req);
    const body = parseInput(createCouncilBody, req.body, 'body');
    const now = deps.now();
    const result = await deps.db.$transaction((tx) => createCouncil(tx, { name: body.name, level: body.level, year: body.year, provinceCode: scope.provinceCode, createdBy: scope.name, members: body.members, now, ttlHours: deps.invitationTtlHours }));
    res.status(201).json({ id: String(result.council.id), name: result.council.name, level: result.council.level, year: result.council.year, provinceCode: result.council.provinceCode, members: result.members.map(personJson) });
  });

  router.get('/councils', async (req: Request, res: Response) => {
    const scope = provinceScope(req, true);
    const councils = await deps.db.council.findMany({ where: { provinceCode: scope.provinceCode }, include: { members: { include: { person: true } } }, orderBy: { id: 'desc' } });
    res.json({
      councils: councils.map((c) => ({ id: String(c.id), name: c.name, level: c.level, year: c.year, members: c.members.map((m) => personJson({ person: m.person, role: m.role })) })),
    });
  });

  function meetingRules(): MeetingRules {
    if (!deps.meetings) throw new HttpError('unavailable', 'meetings are not scheduled here');
    return deps.meetings;
  }

  // The answer states the delivery deadline; a date too close is refused with the earliest lawful one.
  router.post('/councils/:id/meetings', async (req: Request, res: Response) => {
    const rules = meetingRules();
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const body = parseInput(meetingBody, req.body, 'body');
    const meeting = await deps.db
      .$transaction(async (tx) => {
        const council = await tx.council.findFirst({ where: { id, provinceCode: scope.provinceCode } });
        if (!council) throw new HttpError('not_found', 'no such council');
        return scheduleMeeting(tx, rules, { councilId: id, provinceCode: scope.provinceCode, date: body.date, time: body.time, place: body.place, productIdeaIds: body.products, by: scope.name, now: deps.now() });
      });
    res.status(201).json(meetingJson({ ...meeting, products: body.products.map((productIdeaId) => ({ productIdeaId })) }));
  });

  router.patch('/meetings/:id', async (req: Request, res: Response) => {
    const rules = meetingRules();
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const body = parseInput(moveBody, req.body, 'body');
    const meeting = await deps.db
      .$transaction((tx) =>
        moveMeeting(tx, rules, {
          meetingId: id,
          provinceCode: scope.provinceCode,
          now: deps.now(),
          ...(body.date ? { date: body.date } : {}),
          ...(body.time ? { time: body.time } : {}),
          ...(body.place ? { place: body.place } : {}),
          ...(body.products ? { productIdeaIds: body.products } : {}),
        }),
      );
    res.json(meetingJson(meeting));
  });

  router.post('/meetings/:id/cancel', async (req: Request, res: Response) => {
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const outboxIds = await deps.db.$transaction((tx) => cancelMeeting(tx, { meetingId: id, provinceCode: scope.provinceCode, now: deps.now(), translate: deps.translate }));
    // Committed: if Redis is away, the sweep sends the pending rows later.
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, deps.logger);
    res.json({ id: String(id), status: 'cancelled', told: outboxIds.length });
  });

  // The product list is final: every member and helper receives the dossiers now.
  router.post('/meetings/:id/lock', async (req: Request, res: Response) => {
    const distribute = deps.distribute;
    if (!distribute) throw new HttpError('unavailable', 'dossiers are not distributed here');
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const meeting = await deps.db.meeting.findFirst({ where: { id, council: { provinceCode: scope.provinceCode }, status: { not: 'cancelled' } } });
    if (!meeting) throw new HttpError('not_found', 'no such meeting');
    const outboxIds = await distribute(id);
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, deps.logger);
    res.json({ id: String(id), status: 'locked', messages: outboxIds.length });
  });

  // Proof of delivery: per person and product, the version and SHA-256 sent, and when it
  // was sent, received, seen and acknowledged.
  router.get('/meetings/:id/deliveries', async (req: Request, res: Response) => {
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const meeting = await deps.db.meeting.findFirst({ where: { id, council: { provinceCode: scope.provinceCode } } });
    if (!meeting) throw new HttpError('not_found', 'no such meeting');
    res.json({ meeting: meetingJson(meeting), deliveries: await reportMeetingDeliveries(deps.db, id) });
  });

  // The same proof as a PDF for the meeting minutes, which are kept in Vietnamese.
  router.get('/meetings/:id/deliveries.pdf', async (req: Request, res: Response) => {
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const meeting = await deps.db.meeting.findFirst({ where: { id, council: { provinceCode: scope.provinceCode } }, include: { council: true } });
    if (!meeting) throw new HttpError('not_found', 'no such meeting');
    const bytes = await renderMeetingDeliveryReport(deps.db, deps.translate, meeting, deps.now());
    res.status(200);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-length', String(bytes.byteLength));
    res.setHeader('content-disposition', `attachment; filename="bien-ban-giao-ho-so-${id}.pdf"`);
    res.setHeader('cache-control', 'private, no-store');
    res.end(bytes);
  });

  // The council's results, recorded once by the secretary or the province unit after the
  // meeting; each producer is then told theirs (notification `evaluation.result`).
  router.post('/meetings/:id/results', async (req: Request, res: Response) => {
    const evaluation = deps.evaluation;
    if (!evaluation) throw new HttpError('unavailable', 'results are not recorded here');
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const body = parseInput(resultsBody, req.body, 'body');
    await deps.db
      .$transaction((tx) => recordResults(tx, evaluation, { meetingId: id, provinceCode: scope.provinceCode, present: body.present, products: body.products, correction: body.correction, by: scope.name, now: deps.now() }));
    const results = await deps.db.evaluationResult.findMany({ where: { meetingId: id, productIdeaId: { in: body.products.map((p) => p.productIdeaId) }, supersededAt: null }, include: { productIdea: true }, orderBy: { id: 'asc' } });
    res.status(201).json({ meetingId: String(id), results: results.map(resultJson) });
  });

  router.get('/meetings/:id/results', async (req: Request, res: Response) => {
    const scope = provinceScope(req, true);
    const { id } = parseInput(idParam, req.params, 'params');
    const meeting = await deps.db.meeting.findFirst({ where: { id, council: { provinceCode: scope.provinceCode } } });
    if (!meeting) throw new HttpError('not_found', 'no such meeting');
    // Current results; corrected ones stay in the table and in each dossier's history.
    const results = await deps.db.evaluationResult.findMany({ where: { meetingId: id, supersededAt: null }, include: { productIdea: true }, orderBy: { id: 'asc' } });
    res.json({ meetingId: String(id), results: results.map(resultJson) });
  });

  router.post('/council-people/:id/invitation', async (req: Request, res: Response) => {
    const scope = provinceScope(req);
    const { id } = parseInput(idParam, req.params, 'params');
    const result = await deps.db.$transaction(async (tx) => {
      const person = await tx.councilPerson.findFirst({ where: { id, provinceCode: scope.provinceCode } });
      if (!person) throw new HttpError('not_found', 'no such person');
      return reinviteCouncilPerson(tx, { personId: id, now: deps.now(), ttlHours: deps.invitationTtlHours });
    });
    res.status(201).json({ personId: String(id), invitationCode: result.invitationCode, invitationExpiresAt: result.expiresAt });
  });
}
