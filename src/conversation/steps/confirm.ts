import { maskPersonalId } from '../../text/personal-id.js';
import { toMatchKey } from '../../text/normalize-input.js';
import type { FlowStep } from '../flow-schema.js';
import type { FlowSession, TurnItem } from '../flow-types.js';
import { displayAnswer, flowOf, matches, replyButtons, restHere, stepOf, text, words, type StepKind } from './step-parts.js';

/** The summary of the answers: "có" goes on, "sửa N" edits one and comes back here. */
export const confirmStep: StepKind<Extract<FlowStep, { kind: 'confirm' }>> = {
  asks: true,
  prompt(e, step, session) {
    const { ctx } = e;
    const flow = flowOf(ctx, session.flowId);
    const shown = (f: (typeof step.fields)[number]) => {
      const value = displayAnswer(ctx, flow, f.field, session);
      return value !== undefined && f.masked ? maskPersonalId(value) : value;
    };
    const lines = step.fields.map((f, i) => `${i + 1}. ${ctx.translate(ctx.locale, f.label)}: ${shown(f) ?? ctx.translate(ctx.locale, 'flow.confirm.empty')}`);
    return [
      {
        kind: 'text',
        text: `${ctx.translate(ctx.locale, step.prompt)}\n${lines.join('\n')}\n${ctx.translate(ctx.locale, 'flow.confirm.editHint')}`,
        buttons: replyButtons(ctx, ['flow.confirm.yes', 'flow.cancel.button']),
      },
    ];
  },
  reach: restHere,
  answer(e, step, session, _input, { key }) {
    const items: TurnItem[] = [];
    const edit = /^(sua|edit)\s*(\d{1,2})$/.exec(key);
    if (edit) {
      const field = step.fields[Number(edit[2]) - 1];
      if (!field) return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.confirm.noSuchItem', { count: String(step.fields.length) }), items) };
      const asks = e.asks(stepOf(flowOf(e.ctx, session.flowId), field.step));
      const after = field.until ?? (asks ? field.step : undefined);
      const editing: FlowSession = { ...session, attempts: 0, returnTo: after === undefined ? { stepId: step.id } : { stepId: step.id, after } };
      return { items, session: e.advance(editing, field.step, items) };
    }
    if (matches(words.yes, key) || key === toMatchKey(e.ctx.translate(e.ctx.locale, 'flow.confirm.yes'))) {
      return { items, session: e.afterAnswer(session, step, items) };
    }
    return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.confirm.unclear'), items) };
  },
  pickUp: () => ({ stop: 'here' }),
};
