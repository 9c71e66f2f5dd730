import type { FlowStep } from '../flow-schema.js';
import { moveOn, text, type StepKind } from './step-parts.js';

/** A message, then on to the next step. */
export const sayStep: StepKind<Extract<FlowStep, { kind: 'say' }>> = {
  asks: false,
  prompt: () => [],
  reach(e, step, session, items) {
    items.push({ type: 'message', message: text(e.ctx, step.text) });
    return { next: { ...session, stepId: step.next } };
  },
  answer: moveOn,
  pickUp: (_e, step) => ({ next: step.next }),
};
