import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { hundredths } from './scoring.js';
import type { RuleSet } from './rule-sets.js';

// The scoring sheets of a rule set (Decision 26/2026 Annex II: one sheet per product set,
// criteria in parts A, B and C; 148/2023 for dossiers under the transitional rule), as
// data: one YAML file per sheet under rules/scoring-sheets/, each citing its source. They
// are read and checked at start, like flows; a sheet that does not add up stops the start.
//
// A criterion's option may carry `minimumFor: N`: the sheet's star mark ("Dấu sao là yêu
// cầu tối thiểu phải đạt theo các cấp độ sao"), meaning a product rated N★ or above must
// reach at least that option in that criterion. How the members' answers are judged
// against the mark, and how many members must find a disqualification condition, is
// written in each sheet (`judging`), with the article it comes from.

const code = z.string().regex(/^[A-Z][A-Z0-9.]*$/, 'criterion codes are like A1, A1.2, B3');
const points = z.number().min(0).max(100).multipleOf(0.25);
const text = z.string().trim().min(1).max(2000);

const optionSchema = z.strictObject({
  points,
  text,
  /** the sheet's star mark: products of this many stars or more reach at least this option */
  minimumFor: z.number().int().min(2).max(5).optional(),
});

const criterionSchema = z.strictObject({
  code,
  title: text,
  options: z.array(optionSchema).min(2),
});

const partSchema = z.strictObject({
  part: z.enum(['A', 'B', 'C']),
  title: text,
  max: points,
  criteria: z.array(criterionSchema).min(1),
});

const judgingSchema = z.strictObject({
  /**
   * how a star mark is met across the members present: by the average of their points in
   * the criterion, by every member, or by more than half of them
   */
  minimums: z.enum(['average', 'everyMember', 'majority']),
  /** how many members present must find the same disqualification condition */
  disqualification: z.enum(['anyMember', 'majority', 'everyMember']),
  /** where the sheet's rule set says so (decision, article) */
  source: text,
});

const sheetSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  ruleSet: z.string().min(1),
  /** product set codes of the rule set's classification that this sheet scores */
  productSets: z.array(z.string().min(1)).min(1),
  title: text,
  /** decision, annex and sheet number the text was taken from */
  source: text,
  /** a sheet made up for trying the software: refused when NODE_ENV is production */
  sample: z.boolean().default(false),
  judging: judgingSchema,
  parts: z.array(partSchema).length(3),
  /** "Hồ sơ bị loại khi: …" */
  disqualifiedWhen: z.array(z.strictObject({ code: z.string().regex(/^[A-Z][A-Z0-9]*$/), text })).default([]),
});

export type ScoringSheet = z.infer<typeof sheetSchema>;
export type SheetCriterion = ScoringSheet['parts'][number]['criteria'][number];
export type Answers = Record<string, number>;

export class ScoringSheetError extends Error {
  override name = 'ScoringSheetError';
}

/** Every criterion of a sheet, in the sheet's order. */
export function criteriaOf(sheet: ScoringSheet): SheetCriterion[] {
  return sheet.parts.flatMap((p) => p.criteria);
}

const criterionMax = (c: SheetCriterion): number => Math.max(...c.options.map((o) => o.points));

/** What is wrong with one sheet: its arithmetic and its marks; empty when it holds. */
export function checkSheet(sheet: ScoringSheet, productSets: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const at = `sheet ${sheet.id}`;
  const total = sheet.parts.reduce((sum, p) => sum + hundredths(p.max), 0);
  if (total !== hundredths(100)) problems.push(`${at}: parts add up to ${total / 100}, not 100`);
  if (new Set(sheet.parts.map((p) => p.part)).size !== 3) problems.push(`${at}: parts must be A, B and C once each`);
  const codes = new Set<string>();
  for (const part of sheet.parts) {
    const sum = part.criteria.reduce((s, c) => s + hundredths(criterionMax(c)), 0);
    if (sum !== hundredths(part.max)) problems.push(`${at}: part ${part.part}'s criteria add up to ${sum / 100}, not ${part.max}`);
    for (const c of part.criteria) {
      if (codes.has(c.code)) problems.push(`${at}: criterion ${c.code} appears twice`);
      codes.add(c.code);
      if (!c.code.startsWith(part.part)) problems.push(`${at}: criterion ${c.code} stands in part ${part.part}`);
      const values = c.options.map((o) => o.points);
      if (new Set(values).size !== values.length) problems.push(`${at}: criterion ${c.code} has two options of the same points`);
      if (values.some((v, i) => i > 0 && v < values[i - 1]!)) problems.push(`${at}: criterion ${c.code}'s options must go from fewest to most points`);
      // A higher star level never asks for less than a lower one.
      const marks = c.options.flatMap((o) => (o.minimumFor === undefined ? [] : [{ level: o.minimumFor, points: o.points }]));
      if (new Set(marks.map((m) => m.level)).size !== marks.length) problems.push(`${at}: criterion ${c.code} marks one star level twice`);
      for (const m of marks) {
        if (marks.some((other) => other.level > m.level && other.points < m.points)) problems.push(`${at}: criterion ${c.code} asks less for a higher star level than for ${m.level}★`);
      }
    }
  }
  for (const set of sheet.productSets) if (!productSets.has(set)) problems.push(`${at}: product set ${set} is not in rule set ${sheet.ruleSet}'s classification`);
  const conditions = sheet.disqualifiedWhen.map((d) => d.code);
  if (new Set(conditions).size !== conditions.length) problems.push(`${at}: a disqualification condition appears twice`);
  return problems;
}

/** One sheet's data, read and checked: the sheet (unless unreadable) and every problem with it. */
export function parseScoringSheet(data: unknown, ruleSets: readonly RuleSet[], options: { production: boolean }): { sheet: ScoringSheet | undefined; problems: string[] } {
  const parsed = sheetSchema.safeParse(data);
  if (!parsed.success) return { sheet: undefined, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const sheet = parsed.data;
  const ruleSet = ruleSets.find((r) => r.id === sheet.ruleSet);
  if (!ruleSet) return { sheet: undefined, problems: [`rule set ${sheet.ruleSet} does not exist`] };
  const problems = checkSheet(sheet, new Set(ruleSet.productSets.map((p) => p.set)));
  if (sheet.sample && options.production) problems.push('a sample sheet cannot be used in production');
  return { sheet, problems };
}

export interface ScoringSheets {
  /** the sheet that scores a product set under a rule set, if one is loaded */
  sheetFor(ruleSetId: string, productSet: string): ScoringSheet | undefined;
  byId(id: string): ScoringSheet | undefined;
  readonly all: readonly ScoringSheet[];
}

/**
 * Reads every *.yaml under `dir` and checks each sheet and the set of them: one sheet per
 * product set and rule set, rule sets that exist, no sample sheet in production. Any problem
 * stops the start with one message listing them all.
 */
export function loadScoringSheets(dir: string, ruleSets: readonly RuleSet[], options: { production: boolean }): ScoringSheets {
  const problems: string[] = [];
  const sheets: ScoringSheet[] = [];
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) {
    const parsed = parseScoringSheet(parseYaml(readFileSync(join(dir, file), 'utf8')), ruleSets, options);
    problems.push(...parsed.problems.map((p) => `${file}: ${p}`));
    if (parsed.sheet) sheets.push(parsed.sheet);
  }
  const byKey = new Map<string, ScoringSheet>();
  const byId = new Map<string, ScoringSheet>();
  for (const sheet of sheets) {
    if (byId.has(sheet.id)) problems.push(`sheet id ${sheet.id} is used twice`);
    byId.set(sheet.id, sheet);
    for (const set of sheet.productSets) {
      const key = `${sheet.ruleSet}/${set}`;
      if (byKey.has(key)) problems.push(`two sheets score ${set} under ${sheet.ruleSet}: ${byKey.get(key)!.id} and ${sheet.id}`);
      byKey.set(key, sheet);
    }
  }
  if (problems.length > 0) throw new ScoringSheetError(`scoring sheets in ${dir}: ${problems.join('; ')}`);
  return { sheetFor: (ruleSetId, productSet) => byKey.get(`${ruleSetId}/${productSet}`), byId: (id) => byId.get(id), all: sheets };
}

export type AnswerIssue = { code: string; problem: 'unknown_criterion' | 'not_an_option' | 'missing' } | { code: string; problem: 'unknown_condition' };

/**
 * Checks a member's answers against the sheet: each a criterion of the sheet and one of its
 * options' points; for a submitted sheet, every criterion answered.
 */
export function checkAnswers(sheet: ScoringSheet, answers: Answers, disqualifiers: readonly string[], complete: boolean): AnswerIssue[] {
  const issues: AnswerIssue[] = [];
  const criteria = new Map(criteriaOf(sheet).map((c) => [c.code, c]));
  for (const [code, value] of Object.entries(answers)) {
    const criterion = criteria.get(code);
    if (!criterion) issues.push({ code, problem: 'unknown_criterion' });
    else if (!criterion.options.some((o) => o.points === value)) issues.push({ code, problem: 'not_an_option' });
  }
  if (complete) for (const code of criteria.keys()) if (!(code in answers)) issues.push({ code, problem: 'missing' });
  const conditions = new Set(sheet.disqualifiedWhen.map((d) => d.code));
  for (const code of disqualifiers) if (!conditions.has(code)) issues.push({ code, problem: 'unknown_condition' });
  return issues;
}

/** A sheet's total in hundredths of a point: the points of the options chosen. */
export function totalHundredths(answers: Answers): number {
  return Object.values(answers).reduce((sum, v) => sum + hundredths(v), 0);
}

/** Each part's points (A, B, C) of a member's answers, in points. */
export function partsOf(sheet: ScoringSheet, answers: Answers): { a: number; b: number; c: number } {
  const part = (p: 'A' | 'B' | 'C') => sheet.parts.find((x) => x.part === p)!.criteria.reduce((sum, c) => sum + hundredths(answers[c.code] ?? 0), 0) / 100;
  return { a: part('A'), b: part('B'), c: part('C') };
}

function reaches(rule: ScoringSheet['judging']['minimums'], values: readonly number[], floor: number): boolean {
  const floorH = hundredths(floor);
  const hs = values.map(hundredths);
  if (rule === 'average') return hs.reduce((s, v) => s + v, 0) >= floorH * hs.length;
  const meeting = hs.filter((v) => v >= floorH).length;
  return rule === 'everyMember' ? meeting === hs.length : meeting * 2 > hs.length;
}

export interface StarCap {
  stars: number;
  /** the marks not met that held the product below the band's stars, lowest level first */
  missed: { code: string; level: number }[];
}

/**
 * The stars a product may have: its band's stars, lowered to the highest level whose every
 * star mark (that level's and the lower levels') the members' answers meet.
 */
export function capByMinimums(sheet: ScoringSheet, memberAnswers: readonly Answers[], bandStars: number): StarCap {
  const missed: { code: string; level: number }[] = [];
  for (const criterion of criteriaOf(sheet)) {
    const values = memberAnswers.map((a) => a[criterion.code] ?? 0);
    for (const option of criterion.options) {
      if (option.minimumFor !== undefined && option.minimumFor <= bandStars && !reaches(sheet.judging.minimums, values, option.points)) missed.push({ code: criterion.code, level: option.minimumFor });
    }
  }
  if (missed.length === 0) return { stars: bandStars, missed: [] };
  const lowest = Math.min(...missed.map((m) => m.level));
  return { stars: lowest - 1, missed: missed.filter((m) => m.level === lowest) };
}

/** The disqualification condition the members present found, by the sheet's rule; the first in the sheet's order. */
export function disqualificationOf(sheet: ScoringSheet, memberDisqualifiers: readonly (readonly string[])[]): string | null {
  const count = memberDisqualifiers.length;
  for (const condition of sheet.disqualifiedWhen) {
    const found = memberDisqualifiers.filter((d) => d.includes(condition.code)).length;
    const enough = sheet.judging.disqualification === 'anyMember' ? found > 0 : sheet.judging.disqualification === 'everyMember' ? found === count && count > 0 : found * 2 > count;
    if (enough) return condition.code;
  }
  return null;
}
