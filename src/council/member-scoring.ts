import { vietnamDateOf } from '../calendar/calendar-date.js';
import type { Transaction } from '../db/database.js';
import type { EvaluationResult, Prisma } from '../db/generated/client.js';
import { checkAnswers, partsOf, totalHundredths, type AnswerIssue, type Answers, type ScoringSheet, type ScoringSheets } from '../ocop/scoring-sheets.js';
import { ruleSetForDossier } from '../ocop/rule-sets.js';
import { hasQuorum, hundredths } from '../ocop/scoring.js';
import { recordResults, type EvaluationRules } from './evaluation-results.js';
import { MeetingNotFoundError } from './schedule-meeting.js';
import { DomainError } from '../errors/domain-error.js';

// Members score on their phones, on the sheet of each product's set (rules/scoring-sheets):
// scoring opens on the meeting day, each voting member (the chair and members) keeps a
// draft per product and submits it; the secretary sees who has scored what and may type in
// a member's paper sheet (recorded as such). Closing tallies each product: members' totals
// spread wider than the province allows → the members at the two ends are asked to discuss
// and score again in a new round (the earlier round is kept); otherwise the result is
// recorded as the council's (evaluation-results.ts), with the sheet's star marks and
// disqualification conditions applied.

export interface ScoringRules extends EvaluationRules {
  sheets: ScoringSheets;
}

export class ScoringNotOpenError extends DomainError {
  override name = 'ScoringNotOpenError';
  readonly code = 'scoring.notOpen';
}

/** Scoring of this meeting was closed by the secretary, or this product's result is recorded. */
export class ScoringClosedError extends DomainError {
  override name = 'ScoringClosedError';
  readonly code = 'scoring.closed';
}

/** Only the chair and the members of the meeting's council score, and in a later round only those asked to. */
export class NotScoringMemberError extends DomainError {
  override name = 'NotScoringMemberError';
  readonly code = 'scoring.notMember';
}

/** No scoring sheet is loaded for the product's set under its rule set. */
export class NoSheetError extends DomainError {
  override name = 'NoSheetError';
  readonly code = 'scoring.noSheet';
  constructor(readonly productSet: string, readonly ruleSet: string) {
    super(`no scoring sheet for product set ${productSet} under ${ruleSet}`);
  }
}

export class SheetAlreadySubmittedError extends DomainError {
  override name = 'SheetAlreadySubmittedError';
  readonly code = 'scoring.alreadySubmitted';
}

export class SheetAnswersError extends DomainError {
  override name = 'SheetAnswersError';
  readonly code = 'scoring.answers';
  constructor(readonly issues: AnswerIssue[]) {
    super(`the sheet's answers do not fit it: ${issues.map((i) => `${i.code} ${i.problem}`).join(', ')}`);
  }

  override inputIssues() {
    return this.issues.map((i) => ({ path: `answers.${i.code}`, message: i.problem }));
  }
}

type MeetingWithCouncil = Prisma.MeetingGetPayload<{ include: { council: { include: { members: true } }; products: true } }>;

async function scoringMeeting(tx: Transaction, meetingId: bigint, provinceCode?: string): Promise<MeetingWithCouncil> {
  const meeting = await tx.meeting.findFirst({
    where: { id: meetingId, status: { not: 'cancelled' }, ...(provinceCode ? { council: { provinceCode } } : {}) },
    include: { council: { include: { members: true } }, products: true },
  });
  if (!meeting) throw new MeetingNotFoundError(`meeting ${meetingId}`);
  return meeting;
}

const votingOf = (meeting: MeetingWithCouncil) => meeting.council.members.filter((m) => m.role === 'chair' || m.role === 'member');

/**
 * Opens scoring on or after the meeting day, for a meeting whose product list is final.
 * Returns the voting members to send their personal link to; opening twice opens nothing new
 * (`opened` false) but still names them, for a link sent again.
 */
export async function openScoring(tx: Transaction, input: { meetingId: bigint; provinceCode: string; now: Date }): Promise<{ opened: boolean; people: bigint[] }> {
  await tx.$queryRaw`SELECT id FROM meeting WHERE id = ${input.meetingId} FOR UPDATE`;
  const meeting = await scoringMeeting(tx, input.meetingId, input.provinceCode);
  if (meeting.status !== 'locked') throw new ScoringNotOpenError('the meeting’s product list is not final yet');
  if (meeting.date > vietnamDateOf(input.now)) throw new ScoringNotOpenError(`scoring opens on the meeting day, ${meeting.date}`);
  if (meeting.scoringClosedAt) throw new ScoringClosedError('scoring of this meeting is closed');
  const opened = meeting.scoringOpenedAt === null;
  if (opened) await tx.meeting.update({ where: { id: meeting.id }, data: { scoringOpenedAt: input.now } });
  return { opened, people: votingOf(meeting).map((m) => m.personId) };
}

export interface ProductToScore {
  productIdeaId: bigint;
  productName: string;
  receiptNumber: string;
  setCode: string;
  sheet: ScoringSheet | null;
  round: number;
  /** whether this member scores it in the current round */
  expected: boolean;
  status: 'none' | 'draft' | 'submitted';
  totalHundredths: number | null;
  /** the council's result is recorded: nothing more to score */
  recorded: boolean;
}

type IdeaWithDossier = Prisma.ProductIdeaGetPayload<{ include: { dossier: true } }>;

/**
 * The sheet each idea is scored on: its set's sheet under the rule set of its dossier's
 * filing date (as ruleSetOfDossier decides it), in two queries for any number of ideas.
 */
export async function sheetsOfIdeas(tx: Transaction, rules: ScoringRules, ideaIds: readonly bigint[], now: Date): Promise<Map<bigint, { idea: IdeaWithDossier; sheet: ScoringSheet | null; ruleSet: string }>> {
  const ideas = await tx.productIdea.findMany({ where: { id: { in: [...ideaIds] } }, include: { dossier: true } });
  const dossierIds = ideas.flatMap((i) => (i.dossier ? [i.dossier.id] : []));
  const filings = dossierIds.length ? await tx.dossierEvent.findMany({ where: { dossierId: { in: dossierIds }, action: 'submitted' }, orderBy: { id: 'asc' }, select: { dossierId: true, at: true } }) : [];
  const filedAt = new Map<bigint, Date>();
  for (const f of filings) if (!filedAt.has(f.dossierId)) filedAt.set(f.dossierId, f.at);
  const out = new Map<bigint, { idea: IdeaWithDossier; sheet: ScoringSheet | null; ruleSet: string }>();
  for (const idea of ideas) {
    const ruleSet = ruleSetForDossier(rules.ruleSets, { filedAt: idea.dossier ? (filedAt.get(idea.dossier.id) ?? null) : null, kind: idea.kind }, now);
    if (!ruleSet) throw new Error(`no rule set is in force for idea ${idea.id} on ${now.toISOString()}`);
    out.set(idea.id, { idea, sheet: rules.sheets.sheetFor(ruleSet.id, idea.setCode) ?? null, ruleSet: ruleSet.id });
  }
  return out;
}

async function sheetOfIdea(tx: Transaction, rules: ScoringRules, ideaId: bigint, now: Date) {
  const found = (await sheetsOfIdeas(tx, rules, [ideaId], now)).get(ideaId);
  if (!found) throw new MeetingNotFoundError(`idea ${ideaId}`);
  return found;
}

/** Who scores a product in its current round: every voting member in the first, those asked again later. */
function expectedIn(meeting: MeetingWithCouncil, product: MeetingWithCouncil['products'][number]): Set<bigint> {
  return new Set(product.scoringRound === 1 ? votingOf(meeting).map((m) => m.personId) : product.rescorePeople);
}

/** A member's view of the meeting: its products, their sheets, and where the member's own sheets stand. */
export async function productsToScore(tx: Transaction, rules: ScoringRules, input: { meetingId: bigint; personId: bigint; now: Date }): Promise<{ meeting: MeetingWithCouncil; products: ProductToScore[] }> {
  const meeting = await scoringMeeting(tx, input.meetingId);
  if (!votingOf(meeting).some((m) => m.personId === input.personId)) throw new NotScoringMemberError('only the chair and members of the council score');
  const [sheets, results] = await Promise.all([
    tx.scoreSheet.findMany({ where: { meetingId: meeting.id, personId: input.personId } }),
    tx.evaluationResult.findMany({ where: { meetingId: meeting.id, supersededAt: null }, select: { productIdeaId: true } }),
  ]);
  const recorded = new Set(results.map((r) => r.productIdeaId));
  const sheetOf = await sheetsOfIdeas(tx, rules, meeting.products.map((p) => p.productIdeaId), input.now);
  const products: ProductToScore[] = [];
  for (const product of [...meeting.products].sort((a, b) => (a.productIdeaId < b.productIdeaId ? -1 : 1))) {
    const { idea, sheet } = sheetOf.get(product.productIdeaId)!;
    const mine = sheets.find((s) => s.productIdeaId === product.productIdeaId && s.round === product.scoringRound);
    products.push({
      productIdeaId: idea.id,
      productName: idea.productName,
      receiptNumber: idea.receiptNumber,
      setCode: idea.setCode,
      sheet,
      round: product.scoringRound,
      expected: expectedIn(meeting, product).has(input.personId),
      status: mine?.status ?? 'none',
      totalHundredths: mine?.totalHundredths ?? null,
      recorded: recorded.has(idea.id),
    });
  }
  return { meeting, products };
}

/** A member's sheet of one product in its current round, as saved so far (null when not started). */
export async function memberSheet(tx: Transaction, input: { meetingId: bigint; personId: bigint; productIdeaId: bigint }) {
  const product = await tx.meetingProduct.findUnique({ where: { meetingId_productIdeaId: { meetingId: input.meetingId, productIdeaId: input.productIdeaId } } });
  if (!product) throw new MeetingNotFoundError(`product ${input.productIdeaId} of meeting ${input.meetingId}`);
  return tx.scoreSheet.findUnique({ where: { meetingId_productIdeaId_personId_round: { meetingId: input.meetingId, productIdeaId: input.productIdeaId, personId: input.personId, round: product.scoringRound } } });
}

export interface SaveSheetInput {
  meetingId: bigint;
  /** the member whose sheet it is */
  personId: bigint;
  productIdeaId: bigint;
  answers: Answers;
  disqualifiers: string[];
  note: string | null;
  /** final for the round: every criterion must be answered */
  submit: boolean;
  /** null when the member saves it; "official:<id>" when the secretary types in their paper sheet */
  enteredBy: string | null;
  /** when an official enters it: the province they act in */
  provinceCode?: string | undefined;
  now: Date;
}

/**
 * Saves a member's sheet for a product's current round: a draft as often as they like, then
 * once submitted it stays as it is. Refused outside open scoring, for someone not scoring
 * this product in this round, or with answers the sheet does not have.
 */
export async function saveSheet(tx: Transaction, rules: ScoringRules, input: SaveSheetInput) {
  const meeting = await scoringMeeting(tx, input.meetingId, input.provinceCode);
  if (!meeting.scoringOpenedAt) throw new ScoringNotOpenError('scoring of this meeting is not open');
  if (meeting.scoringClosedAt) throw new ScoringClosedError('scoring of this meeting is closed');
  const product = meeting.products.find((p) => p.productIdeaId === input.productIdeaId);
  if (!product) throw new MeetingNotFoundError(`product ${input.productIdeaId} of meeting ${input.meetingId}`);
  if (!expectedIn(meeting, product).has(input.personId)) throw new NotScoringMemberError('this member does not score this product in this round');
  const recorded = await tx.evaluationResult.count({ where: { meetingId: meeting.id, productIdeaId: product.productIdeaId, supersededAt: null } });
  if (recorded > 0) throw new ScoringClosedError('this product’s result is recorded');
  const { sheet, idea, ruleSet } = await sheetOfIdea(tx, rules, product.productIdeaId, input.now);
  if (!sheet) throw new NoSheetError(idea.setCode, ruleSet);
  const issues = checkAnswers(sheet, input.answers, input.disqualifiers, input.submit);
  if (issues.length > 0) throw new SheetAnswersError(issues);

  // One writer per sheet at a time: the row lock makes a draft saved while submitting wait and then see "submitted".
  const key = { meetingId: meeting.id, productIdeaId: product.productIdeaId, personId: input.personId, round: product.scoringRound };
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`score-sheet:${key.meetingId}:${key.productIdeaId}:${key.personId}:${key.round}`}, 0))`;
  const existing = await tx.scoreSheet.findUnique({ where: { meetingId_productIdeaId_personId_round: key } });
  if (existing?.status === 'submitted') throw new SheetAlreadySubmittedError('this sheet is submitted');
  const data = {
    sheetId: sheet.id,
    answers: input.answers,
    disqualifiers: input.disqualifiers,
    note: input.note,
    totalHundredths: totalHundredths(input.answers),
    enteredBy: input.enteredBy,
    updatedAt: input.now,
    ...(input.submit ? { status: 'submitted' as const, submittedAt: input.now } : {}),
  };
  return tx.scoreSheet.upsert({ where: { meetingId_productIdeaId_personId_round: key }, create: { ...key, ...data }, update: data });
}

export interface BoardRow {
  productIdeaId: bigint;
  productName: string;
  round: number;
  sheetId: string | null;
  recorded: boolean;
  members: { personId: bigint; expected: boolean; status: 'none' | 'draft' | 'submitted'; totalHundredths: number | null; enteredBy: string | null; updatedAt: Date | null }[];
}

/** The secretary's view: for each product's current round, each voting member's sheet. */
export async function scoringBoard(tx: Transaction, rules: ScoringRules, input: { meetingId: bigint; provinceCode: string; now: Date }): Promise<{ meeting: MeetingWithCouncil; rows: BoardRow[] }> {
  const meeting = await scoringMeeting(tx, input.meetingId, input.provinceCode);
  const [sheets, results] = await Promise.all([
    tx.scoreSheet.findMany({ where: { meetingId: meeting.id } }),
    tx.evaluationResult.findMany({ where: { meetingId: meeting.id, supersededAt: null }, select: { productIdeaId: true } }),
  ]);
  const recorded = new Set(results.map((r) => r.productIdeaId));
  const voting = votingOf(meeting);
  const sheetOf = await sheetsOfIdeas(tx, rules, meeting.products.map((p) => p.productIdeaId), input.now);
  const rows: BoardRow[] = [];
  for (const product of [...meeting.products].sort((a, b) => (a.productIdeaId < b.productIdeaId ? -1 : 1))) {
    const { idea, sheet } = sheetOf.get(product.productIdeaId)!;
    const expected = expectedIn(meeting, product);
    rows.push({
      productIdeaId: idea.id,
      productName: idea.productName,
      round: product.scoringRound,
      sheetId: sheet?.id ?? null,
      recorded: recorded.has(idea.id),
      members: voting.map((m) => {
        const s = sheets.find((x) => x.productIdeaId === idea.id && x.personId === m.personId && x.round === product.scoringRound);
        return { personId: m.personId, expected: expected.has(m.personId), status: s?.status ?? 'none', totalHundredths: s?.totalHundredths ?? null, enteredBy: s?.enteredBy ?? null, updatedAt: s?.updatedAt ?? null };
      }),
    });
  }
  return { meeting, rows };
}

export type TallyOutcome =
  | { productIdeaId: bigint; outcome: 'recorded'; result: EvaluationResult }
  | { productIdeaId: bigint; outcome: 'rescore'; round: number; people: bigint[]; lowest: number; highest: number }
  | { productIdeaId: bigint; outcome: 'waiting'; people: bigint[] }
  | { productIdeaId: bigint; outcome: 'noQuorum'; submitted: number }
  | { productIdeaId: bigint; outcome: 'noSheet' }
  | { productIdeaId: bigint; outcome: 'alreadyRecorded' };

/**
 * The secretary's "close and tally": each product without a result is tallied on the sheets
 * submitted in its current round. Drafts not submitted in the first round count as absence.
 * Scoring closes once every product has its result; until then members asked to score again
 * keep their links.
 */
export async function tallyScoring(tx: Transaction, rules: ScoringRules, input: { meetingId: bigint; provinceCode: string; by: string; now: Date }): Promise<{ closed: boolean; outcomes: TallyOutcome[] }> {
  await tx.$queryRaw`SELECT id FROM meeting WHERE id = ${input.meetingId} FOR UPDATE`;
  const meeting = await scoringMeeting(tx, input.meetingId, input.provinceCode);
  if (!meeting.scoringOpenedAt) throw new ScoringNotOpenError('scoring of this meeting is not open');
  if (meeting.scoringClosedAt) throw new ScoringClosedError('scoring of this meeting is closed');
  const settings = rules.settingsFor(input.provinceCode);
  const voting = votingOf(meeting).map((m) => ({ personId: m.personId, chair: m.role === 'chair' }));
  const outcomes: TallyOutcome[] = [];
  for (const product of [...meeting.products].sort((a, b) => (a.productIdeaId < b.productIdeaId ? -1 : 1))) {
    const productIdeaId = product.productIdeaId;
    if ((await tx.evaluationResult.count({ where: { meetingId: meeting.id, productIdeaId, supersededAt: null } })) > 0) {
      outcomes.push({ productIdeaId, outcome: 'alreadyRecorded' });
      continue;
    }
    const { sheet } = await sheetOfIdea(tx, rules, productIdeaId, input.now);
    if (!sheet) {
      outcomes.push({ productIdeaId, outcome: 'noSheet' });
      continue;
    }
    const sheets = await tx.scoreSheet.findMany({ where: { meetingId: meeting.id, productIdeaId, round: product.scoringRound }, orderBy: { personId: 'asc' } });
    const submitted = sheets.filter((s) => s.status === 'submitted');
    if (product.scoringRound > 1) {
      const pending = product.rescorePeople.filter((id) => !submitted.some((s) => s.personId === id));
      if (pending.length > 0) {
        outcomes.push({ productIdeaId, outcome: 'waiting', people: pending });
        continue;
      }
    }
    const present = submitted.map((s) => s.personId);
    if (submitted.length === 0 || !hasQuorum(settings.quorum, voting, present).ok) {
      outcomes.push({ productIdeaId, outcome: 'noQuorum', submitted: submitted.length });
      continue;
    }
    const totals = submitted.map((s) => s.totalHundredths);
    const lowest = Math.min(...totals);
    const highest = Math.max(...totals);
    if (highest - lowest > hundredths(settings.scoreSpread)) {
      const people = submitted.filter((s) => s.totalHundredths === lowest || s.totalHundredths === highest).map((s) => s.personId);
      const round = product.scoringRound + 1;
      // The new round starts from the last one: the others' sheets stand as submitted, those asked again start from their own.
      await tx.scoreSheet.createMany({
        data: submitted.map((s) => {
          const again = people.includes(s.personId);
          return {
            meetingId: meeting.id,
            productIdeaId,
            personId: s.personId,
            round,
            sheetId: s.sheetId,
            answers: s.answers as Prisma.InputJsonValue,
            disqualifiers: s.disqualifiers,
            note: s.note,
            totalHundredths: s.totalHundredths,
            enteredBy: s.enteredBy,
            updatedAt: input.now,
            status: again ? ('draft' as const) : ('submitted' as const),
            submittedAt: again ? null : s.submittedAt,
          };
        }),
      });
      await tx.meetingProduct.update({ where: { meetingId_productIdeaId: { meetingId: meeting.id, productIdeaId } }, data: { scoringRound: round, rescorePeople: people } });
      outcomes.push({ productIdeaId, outcome: 'rescore', round, people, lowest: lowest / 100, highest: highest / 100 });
      continue;
    }
    const answers = submitted.map((s) => s.answers as Answers);
    const [result] = await recordResults(tx, rules, {
      meetingId: meeting.id,
      provinceCode: input.provinceCode,
      present,
      products: [
        {
          productIdeaId,
          scores: submitted.map((s, i) => ({ personId: s.personId, score: s.totalHundredths / 100, parts: partsOf(sheet, answers[i]!) })),
          sheet: { sheet, answers, disqualifiers: submitted.map((s) => s.disqualifiers) },
        },
      ],
      by: input.by,
      now: input.now,
    });
    outcomes.push({ productIdeaId, outcome: 'recorded', result: result! });
  }
  const closed = outcomes.every((o) => o.outcome === 'recorded' || o.outcome === 'alreadyRecorded');
  if (closed) await tx.meeting.update({ where: { id: meeting.id }, data: { scoringClosedAt: input.now } });
  return { closed, outcomes };
}
