import type { FlowStep } from '../flow-schema.js';
import { moveOn, type StepKind } from './step-parts.js';

/** Runs another flow on top of this one, which resumes at `next` when it ends. */
export const subflowStep: StepKind<Extract<FlowStep, { kind: 'subflow' }>> = {
  asks: false,
  prompt: () => [],
  reach: (e, step, session) => ({ next: e.enterSubflow(session, step.flow, step.next, step.prefill ? e.ctx.prefill(step.prefill) : undefined) }),
  answer: moveOn,
  pickUp: () => ({ stop: 'restart' }),
};
