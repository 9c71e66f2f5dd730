import { toMatchKey } from '../../text/normalize-input.js';
import type { FlowStep } from '../flow-schema.js';
import type { ChoiceSource, FlowSession, FlowTurn, TurnItem } from '../flow-types.js';
import { chooseFrom, matches, maxButtons, maxButtonTitle, maxMatches, restHere, sourceOf, text, words, type StepEngine, type StepKind } from './step-parts.js';

type ChooseStep = Extract<FlowStep, { kind: 'choose' }>;

/** A choice from a directory: search by the typed name, then pick from numbered matches. */
function searchTurn(e: StepEngine, session: FlowSession, step: ChooseStep, source: Extract<ChoiceSource, { kind: 'search' }>, raw: string): FlowTurn {
  const items: TurnItem[] = [];
  const key = toMatchKey(raw);
  if (session.matches && /^\d{1,2}$/.test(key)) {
    const picked = session.matches[Number(key) - 1];
    if (picked !== undefined) return e.accept(session, step, picked, items);
  }
  if (raw === '') return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.ask.textNeeded'), items) };
  const found = source.search(raw, maxMatches);
  if (found.total === 0) return { items, session: e.reprompt(session, step, text(e.ctx, step.notFound ?? 'flow.search.none', { query: raw }), items) };
  if (found.total === 1 && found.items[0]) return e.accept(session, step, found.items[0].value, items);
  if (found.total > maxMatches) {
    items.push({ type: 'message', message: text(e.ctx, 'flow.search.tooMany', { count: String(found.total) }) });
    return { items, session: { ...session, matches: undefined } };
  }
  const list = found.items.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
  items.push({ type: 'message', message: { kind: 'text', text: `${e.ctx.translate(e.ctx.locale, 'flow.search.pick')}\n${list}` } });
  return { items, session: { ...session, matches: found.items.map((c) => c.value) } };
}

/** One of a list (buttons, or a numbered list with the main actions as buttons), or a directory searched by name. */
export const chooseStep: StepKind<ChooseStep> = {
  asks: true,
  prompt(e, step, session) {
    const { ctx } = e;
    const source = sourceOf(ctx, step, session.answers);
    const question = ctx.translate(ctx.locale, step.prompt);
    if (source.kind === 'search') return [{ kind: 'text', text: `${question}\n${ctx.translate(ctx.locale, step.searchHint ?? 'flow.search.typeName')}` }];
    const choices = source.items;
    // Zalo may cut or refuse long button titles: long labels go in a numbered list instead.
    if (choices.length <= maxButtons && choices.every((c) => c.label.length <= maxButtonTitle)) {
      return [{ kind: 'text', text: question, buttons: choices.map((c) => ({ title: c.label, action: { kind: 'reply' as const, payload: c.label } })) }];
    }
    const list = choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
    // Buttons sit at the end of the message, where Zalo shows the newest message: the main
    // actions of a long list are a tap away without scrolling; numbers and names still work.
    const primary = choices.filter((c) => c.primary && (c.button ?? c.label).length <= maxButtonTitle).slice(0, maxButtons);
    return [
      {
        kind: 'text',
        text: `${question}\n${list}\n${ctx.translate(ctx.locale, 'flow.choose.typeNumberOrName')}`,
        ...(primary.length > 0 ? { buttons: primary.map((c) => ({ title: c.button ?? c.label, action: { kind: 'reply' as const, payload: c.label } })) } : {}),
      },
    ];
  },
  reach(e, step, session, items) {
    // Nothing to choose between (a product group with one set): take it and go on.
    const source = sourceOf(e.ctx, step, session.answers);
    const only = source.kind === 'list' && source.items.length === 1 ? source.items[0] : undefined;
    if (only) return { next: e.nextAfter({ ...session, answers: { ...session.answers, [step.field]: only.value } }, step) };
    return restHere(e, step, session, items);
  },
  answer(e, step, session, input, { raw, key }) {
    const items: TurnItem[] = [];
    if (step.optional && matches(words.skip, key)) return e.skip(session, step, items);
    const source = sourceOf(e.ctx, step, session.answers);
    if (source.kind === 'search') return searchTurn(e, session, step, source, raw);
    const chosen = input.kind === 'text' ? chooseFrom(source.items, raw) : undefined;
    if (chosen === 'ambiguous') return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.choose.ambiguous'), items) };
    if (!chosen) return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.choose.unknown'), items) };
    return e.accept(session, step, chosen.value, items);
  },
  pickUp: (_e, step, answers) => (answers[step.field] === undefined ? { stop: 'here' } : { next: step.next }),
};
