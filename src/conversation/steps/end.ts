import type { FlowStep } from '../flow-schema.js';
import { moveOn, text, type StepKind } from './step-parts.js';

/** Ends the flow: back to the flow that called it, or out of the flows. */
export const endStep: StepKind<Extract<FlowStep, { kind: 'end' }>> = {
  asks: false,
  prompt: () => [],
  reach(e, step, session, items) {
    if (step.text) items.push({ type: 'message', message: text(e.ctx, step.text) });
    const parent = session.stack.at(-1);
    if (!parent) return { rest: null };
    return { next: { ...parent, attempts: 0, stack: session.stack.slice(0, -1) } };
  },
  answer: moveOn,
  pickUp: () => ({ stop: 'restart' }),
};
