import type { FlowStep } from '../flow-schema.js';
import type { EngineContext } from '../flow-types.js';
import { formatAnswer, moveOn, type StepKind } from './step-parts.js';

type BranchStep = Extract<FlowStep, { kind: 'branch' }>;

/** Where a branch goes: the case its fact, or its field's answer, equals; else `otherwise`. */
export function branchTarget(ctx: EngineContext, step: BranchStep, answers: Record<string, unknown>): string {
  const value = step.fact !== undefined ? ctx.fact(step.fact) : formatAnswer(answers[step.field ?? '']);
  return step.cases.find((c) => c.equals === value)?.next ?? step.otherwise;
}

/** On by a fact the app knows or an earlier answer, asking nothing. */
export const branchStep: StepKind<BranchStep> = {
  asks: false,
  prompt: () => [],
  reach: (e, step, session) => ({ next: { ...session, stepId: branchTarget(e.ctx, step, session.answers) } }),
  answer: moveOn,
  pickUp: (e, step, answers) => ({ next: branchTarget(e.ctx, step, answers) }),
};
