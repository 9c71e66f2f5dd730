import { vietnamDateOf } from '../calendar/calendar-date.js';
import type { Transaction } from '../db/database.js';
import type { EvaluationResult, Prisma } from '../db/generated/client.js';
import { ruleSetOfDossier } from '../dossier/dossier-filing.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { averageOf, certifyingLevelFor, hasQuorum, hundredths, starsFor } from '../ocop/scoring.js';
import { capByMinimums, criteriaOf, disqualificationOf, type Answers, type ScoringSheet } from '../ocop/scoring-sheets.js';
import { MeetingNotFoundError } from './schedule-meeting.js';
import { DomainError } from '../errors/domain-error.js';

// A council's results: each member present scores each product out of 100, the council
// takes their average, and the rule set's bands turn it into stars (src/ocop/scoring.ts).
// The province's rules (rules/provinces.yaml) decide whether the meeting was valid
// (quorum, the chair present) and whether the scores agree enough (spread); the rule set
// decides which level certifies the stars.

export interface EvaluationRules {
  ruleSets: readonly RuleSet[];
  settingsFor: (provinceCode: string) => ProvinceSettings;
}

/** One member's score of one product; parts A (40), B (25) and C (35) when the sheet gives them. */
export interface MemberScore {
  personId: bigint;
  score: number;
  parts?: { a: number; b: number; c: number } | undefined;
}

export interface ProductScores {
  productIdeaId: bigint;
  scores: MemberScore[];
  /**
   * when the members scored on the sheet: its star marks may hold the stars below the band,
   * and its disqualification conditions may rule the dossier out (answers in the scores' order)
   */
  sheet?: { sheet: ScoringSheet; answers: Answers[]; disqualifiers: string[][] } | undefined;
}

export interface RecordResultsInput {
  meetingId: bigint;
  provinceCode: string;
  /** the chair and members present */
  present: bigint[];
  products: ProductScores[];
  /** replaces the products' current results, which stay as superseded revisions */
  correction?: { reason: string } | undefined;
  by: string;
  now: Date;
}

export interface ResultIssue {
  path: string;
  message: string;
}

/** The meeting has not taken place yet (Vietnamese date). */
export class MeetingNotHeldError extends DomainError {
  override name = 'MeetingNotHeldError';
  readonly code = 'results.meetingNotHeld';
}

/** Something in the results does not fit the meeting: who scored, which products. */
export class ResultsInputError extends DomainError {
  override name = 'ResultsInputError';
  readonly code = 'results.input';
  constructor(readonly issues: ResultIssue[]) {
    super('the results do not fit the meeting');
  }

  override inputIssues(): ResultIssue[] {
    return this.issues;
  }
}

/** Too few members present, or the chair absent where the province requires the chair. */
export class NoQuorumError extends DomainError {
  override name = 'NoQuorumError';
  readonly code = 'results.noQuorum';
}

/** Members' scores differ by more than the province allows: they discuss and score again. */
export class ScoreSpreadError extends DomainError {
  override name = 'ScoreSpreadError';
  readonly code = 'results.scoreSpread';
  constructor(
    readonly allowed: number,
    readonly products: { index: number; productIdeaId: bigint; lowest: number; highest: number }[],
  ) {
    super(`scores may differ by at most ${allowed} points; score these products again: ${products.map((p) => `${p.productIdeaId} (${p.lowest}–${p.highest})`).join(', ')}`);
  }

  override inputIssues() {
    return this.products.map((p) => ({ path: `products.${p.index}.scores`, message: `idea ${p.productIdeaId}: scores from ${p.lowest} to ${p.highest}, more than ${this.allowed} points apart` }));
  }
}

export class ResultsAlreadyRecordedError extends DomainError {
  override name = 'ResultsAlreadyRecordedError';
  readonly code = 'results.alreadyRecorded';
  constructor(readonly productIdeaIds: bigint[]) {
    super(`results are already recorded for ${productIdeaIds.join(', ')} at this meeting; to change them, send a correction with its reason`);
  }
}

function checkScores(product: ProductScores, index: number, present: Set<bigint>): ResultIssue[] {
  const issues: ResultIssue[] = [];
  const at = (i: number, field: string) => `products.${index}.scores.${i}.${field}`;
  const scored = new Set<bigint>();
  product.scores.forEach((s, i) => {
    if (!present.has(s.personId)) issues.push({ path: at(i, 'personId'), message: `person ${s.personId} is not among the members present` });
    if (scored.has(s.personId)) issues.push({ path: at(i, 'personId'), message: `person ${s.personId} scored this product twice` });
    scored.add(s.personId);
    if (s.parts) {
      const sum = hundredths(s.parts.a) + hundredths(s.parts.b) + hundredths(s.parts.c);
      if (sum !== hundredths(s.score)) issues.push({ path: at(i, 'parts'), message: `parts add up to ${sum / 100}, not ${s.score}` });
    }
  });
  const missing = [...present].filter((id) => !scored.has(id));
  if (missing.length > 0) issues.push({ path: `products.${index}.scores`, message: `every member present scores every product; missing: ${missing.join(', ')}` });
  return issues;
}

/**
 * Records a held meeting's results, all products or none: the members present must make
 * a quorum, each of them scores each product, and no product's scores may spread wider
 * than the province allows. Each product gets its average, stars and certifying level; its
 * dossier history says it was evaluated. A product has one current result: recording it
 * again is refused unless it is a correction, which supersedes it with a reason.
 */
export async function recordResults(tx: Transaction, rules: EvaluationRules, input: RecordResultsInput): Promise<EvaluationResult[]> {
  // One recording of a meeting at a time: a second one waits and then finds these results.
  await tx.$queryRaw`SELECT id FROM meeting WHERE id = ${input.meetingId} FOR UPDATE`;
  const meeting = await tx.meeting.findFirst({
    where: { id: input.meetingId, council: { provinceCode: input.provinceCode }, status: { not: 'cancelled' } },
    include: { council: { include: { members: true } }, products: true },
  });
  if (!meeting) throw new MeetingNotFoundError(`meeting ${input.meetingId}`);
  if (meeting.date > vietnamDateOf(input.now)) throw new MeetingNotHeldError(`the meeting is on ${meeting.date}: results are recorded once it has taken place`);

  const voting = meeting.council.members.filter((m) => m.role === 'chair' || m.role === 'member').map((m) => ({ personId: m.personId, chair: m.role === 'chair' }));
  const votingIds = new Set(voting.map((v) => v.personId));
  const issues: ResultIssue[] = [];
  input.present.forEach((id, i) => {
    if (!votingIds.has(id)) issues.push({ path: `present.${i}`, message: `person ${id} is not the chair or a member of this council` });
  });
  if (new Set(input.present).size !== input.present.length) issues.push({ path: 'present', message: 'a person is listed twice' });
  const inMeeting = new Set(meeting.products.map((p) => p.productIdeaId));
  const present = new Set(input.present);
  input.products.forEach((product, i) => {
    if (!inMeeting.has(product.productIdeaId)) issues.push({ path: `products.${i}.productIdeaId`, message: `idea ${product.productIdeaId} is not evaluated at this meeting` });
    issues.push(...checkScores(product, i, present));
  });
  if (new Set(input.products.map((p) => p.productIdeaId)).size !== input.products.length) issues.push({ path: 'products', message: 'a product is listed twice' });
  if (issues.length > 0) throw new ResultsInputError(issues);

  const settings = rules.settingsFor(input.provinceCode);
  const quorum = hasQuorum(settings.quorum, voting, input.present);
  if (!quorum.ok) throw new NoQuorumError(`no quorum: ${quorum.reason}`);
  const spread = input.products.flatMap((p, index) => {
    const values = p.scores.map((s) => hundredths(s.score));
    const lowest = Math.min(...values);
    const highest = Math.max(...values);
    return highest - lowest > hundredths(settings.scoreSpread) ? [{ index, productIdeaId: p.productIdeaId, lowest: lowest / 100, highest: highest / 100 }] : [];
  });
  if (spread.length > 0) throw new ScoreSpreadError(settings.scoreSpread, spread);

  const ids = input.products.map((p) => p.productIdeaId);
  const current = await tx.evaluationResult.findMany({ where: { meetingId: meeting.id, productIdeaId: { in: ids }, supersededAt: null } });
  const currentOf = new Map(current.map((r) => [r.productIdeaId, r]));
  if (!input.correction && current.length > 0) throw new ResultsAlreadyRecordedError(current.map((r) => r.productIdeaId));
  if (input.correction) {
    const nothingToCorrect = input.products.flatMap((p, i) => (currentOf.has(p.productIdeaId) ? [] : [{ path: `products.${i}.productIdeaId`, message: `idea ${p.productIdeaId} has no result to correct at this meeting` }]));
    if (nothingToCorrect.length > 0) throw new ResultsInputError(nothingToCorrect);
    await tx.evaluationResult.updateMany({ where: { id: { in: current.map((r) => r.id) } }, data: { supersededAt: input.now } });
  }

  const ideas = await tx.productIdea.findMany({ where: { id: { in: ids } }, include: { dossier: true } });
  const ideaOf = new Map(ideas.map((idea) => [idea.id, idea]));
  const results: EvaluationResult[] = [];
  for (const product of input.products) {
    const idea = ideaOf.get(product.productIdeaId);
    if (!idea) throw new Error(`idea ${product.productIdeaId} of meeting ${meeting.id} is gone`);
    // The rule set of the dossier's filing date, with the transition of a newer one.
    const ruleSet = await ruleSetOfDossier(tx, rules.ruleSets, idea, input.now);
    const sum = product.scores.reduce((total, s) => total + hundredths(s.score), 0);
    const count = product.scores.length;
    const bandStars = starsFor(ruleSet.starBands, sum, count);
    const judged = product.sheet ? judgeOnSheet(product.sheet, bandStars) : undefined;
    const stars = judged?.stars ?? bandStars;
    const certifyingLevel = judged?.disqualified ? null : certifyingLevelFor(ruleSet, stars);
    const scores = product.scores.map((s) => ({ personId: String(s.personId), score: s.score, ...(s.parts ? { parts: s.parts } : {}) }));
    const result = await tx.evaluationResult.create({
      data: {
        meetingId: meeting.id,
        productIdeaId: idea.id,
        ruleSet: ruleSet.id,
        presentIds: input.present,
        scores,
        scoreSumHundredths: sum,
        scoreCount: count,
        stars,
        certifyingLevel,
        revision: (currentOf.get(idea.id)?.revision ?? 0) + 1,
        correctionReason: input.correction?.reason ?? null,
        recordedBy: input.by,
        recordedAt: input.now,
        ...(judged
          ? {
              sheetId: judged.sheetId,
              bandStars: judged.cappedBy.length > 0 ? bandStars : null,
              cappedBy: judged.cappedBy.length > 0 ? judged.cappedBy : undefined,
              disqualifiedCode: judged.disqualified?.code ?? null,
              disqualifiedReason: judged.disqualified?.text ?? null,
            }
          : {}),
      },
    });
    if (idea.dossier) {
      const detail: Prisma.InputJsonValue = {
        meetingId: String(meeting.id),
        average: averageOf(sum, count),
        stars,
        certifyingLevel,
        ...(input.correction ? { reason: input.correction.reason } : {}),
        ...(judged?.disqualified ? { disqualified: judged.disqualified.code } : {}),
      };
      const action = input.correction ? 'evaluation_corrected' : 'evaluated';
      await tx.dossierEvent.create({ data: { dossierId: idea.dossier.id, version: idea.dossier.version, actor: `admin:${input.by}`, action, detail, at: input.now } });
    }
    results.push(result);
  }
  return results;
}

/**
 * What the sheet decides beyond the band: the stars its star marks allow (with the criteria
 * that held them), and the disqualification condition the members found, if any.
 */
function judgeOnSheet(scored: NonNullable<ProductScores['sheet']>, bandStars: number): { sheetId: string; stars: number; cappedBy: { code: string; level: number; title: string }[]; disqualified: { code: string; text: string } | null } {
  const cap = capByMinimums(scored.sheet, scored.answers, bandStars);
  const titles = new Map(criteriaOf(scored.sheet).map((c) => [c.code, c.title]));
  const code = disqualificationOf(scored.sheet, scored.disqualifiers);
  const condition = code === null ? undefined : scored.sheet.disqualifiedWhen.find((d) => d.code === code);
  return {
    sheetId: scored.sheet.id,
    stars: cap.stars,
    cappedBy: cap.missed.map((m) => ({ ...m, title: titles.get(m.code) ?? m.code })),
    disqualified: condition ? { code: condition.code, text: condition.text } : null,
  };
}
