import type { FlowStep } from '../flow-schema.js';
import { moveOn, type StepKind } from './step-parts.js';

/** Asks the app to do something with the answers (an effect the turn performs), then on. */
export const actionStep: StepKind<Extract<FlowStep, { kind: 'action' }>> = {
  asks: false,
  prompt: () => [],
  reach(e, step, session, items) {
    items.push({ type: 'effect', effect: { action: step.action, flowId: session.flowId, answers: { ...session.answers } } });
    return { next: { ...session, stepId: step.next } };
  },
  answer: moveOn,
  // A changed flow is not walked through an action again: it would run twice.
  pickUp: () => ({ stop: 'restart' }),
};
