import type { OutgoingMessage } from '../../outbound/outgoing-message.js';
import { toNfc } from '../../text/normalize-input.js';
import type { FlowStep } from '../flow-schema.js';
import { matches, restHere, text, words, type StepKind } from './step-parts.js';

/** A typed answer, checked by the validator the step names; Zalo's form may fill it in. */
export const askStep: StepKind<Extract<FlowStep, { kind: 'ask' }>> = {
  asks: true,
  prompt(e, step) {
    const { ctx } = e;
    const question = ctx.translate(ctx.locale, step.prompt);
    const asked: OutgoingMessage = { kind: 'text', text: step.optional ? `${question}\n${ctx.translate(ctx.locale, 'flow.ask.optional')}` : question };
    if (!step.shareFromZalo) return [asked];
    // Zalo's form fills in what the user already gave Zalo, so one tap answers.
    return [asked, { kind: 'request_user_info', title: ctx.translate(ctx.locale, 'flow.share.title'), subtitle: ctx.translate(ctx.locale, 'flow.share.subtitle'), imageUrl: ctx.shareInfoImageUrl }];
  },
  reach: restHere,
  answer(e, step, session, input, { raw, key }) {
    const items: Parameters<typeof e.accept>[3] = [];
    const shared = input.kind === 'shared' && step.shareFromZalo ? input.info[step.shareFromZalo] : undefined;
    const answer = shared !== undefined ? toNfc(shared).trim() : raw;
    if (answer === '') return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.ask.textNeeded'), items) };
    if (step.optional && matches(words.skip, key)) return e.skip(session, step, items);
    const result = e.ctx.validate(step.validator.name, answer, step.validator.options, e.ctx.now);
    if (!result.ok) return { items, session: e.reprompt(session, step, text(e.ctx, result.hintKey, result.vars), items) };
    return e.accept(session, step, result.value, items);
  },
  pickUp: (_e, step, answers) => (answers[step.field] === undefined ? { stop: 'here' } : { next: step.next }),
};
