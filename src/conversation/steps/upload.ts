import type { FlowStep } from '../flow-schema.js';
import type { ChoiceItem, EngineContext, FlowSession, FlowTurn, TurnItem } from '../flow-types.js';
import { asItems, displayAnswer, flowOf, formatAnswer, matches, text, words, type StepKind } from './step-parts.js';

type UploadStep = Extract<FlowStep, { kind: 'upload' }>;

/** The items an upload step walks through (still missing), less those the person skipped. */
function uploadList(ctx: EngineContext, step: UploadStep, answers: Record<string, unknown>): ChoiceItem[] {
  if (!step.source) return [];
  const source = ctx.choiceSource(step.source, answers);
  const skipped = Array.isArray(answers.$skipped) ? answers.$skipped : [];
  return source.kind === 'list' ? source.items.filter((i) => !skipped.includes(i.value)) : [];
}

/** The item the upload step is on, with its label. */
function uploadItem(ctx: EngineContext, step: UploadStep, session: FlowSession): ChoiceItem | undefined {
  const value = formatAnswer(session.answers[step.field]);
  if (value === undefined) return undefined;
  const listed = uploadList(ctx, step, session.answers).find((i) => i.value === value);
  if (listed) return listed;
  // The item is no longer listed (its first file has just arrived): named by its source, never by its code.
  const named = step.source ? ctx.choiceSource(step.source, session.answers).labelOf?.(value) : undefined;
  return { value, label: named ?? displayAnswer(ctx, flowOf(ctx, session.flowId), step.field, session) ?? value };
}

/**
 * Files and photos for one item after another: those sent go to the step's action; "xong"
 * moves on; "bỏ qua" skips an optional item; "không phải cấp" declares one not required.
 */
export const uploadStep: StepKind<UploadStep> = {
  asks: true,
  prompt(e, step, session) {
    const { ctx } = e;
    const item = uploadItem(ctx, step, session);
    const lines = [ctx.translate(ctx.locale, step.prompt, { item: item?.label ?? '' })];
    if (item?.optional) lines.push(ctx.translate(ctx.locale, 'flow.upload.optional'));
    if (item?.exemptible && step.exempt) lines.push(ctx.translate(ctx.locale, 'flow.upload.exemptible'));
    lines.push(ctx.translate(ctx.locale, 'flow.upload.howTo'));
    return [{ kind: 'text', text: lines.join('\n') }];
  },
  reach(e, step, session, items) {
    // Walking through missing items: stay on the current one until it is done, then take
    // the next; none left, go on.
    const list = uploadList(e.ctx, step, session.answers);
    const answers = { ...session.answers };
    if (step.source && !list.some((i) => i.value === answers[step.field])) {
      const next = list[0];
      if (!next) {
        delete answers[step.field];
        return { next: { ...session, answers, stepId: step.next } };
      }
      answers[step.field] = next.value;
    }
    // The next files sent replace the item's earlier ones; later ones add pages.
    if (step.replace && answers.$replacing === undefined) answers.$replacing = true;
    const resting = { ...session, answers };
    items.push(...asItems(e.prompt(step, resting)));
    return { rest: resting };
  },
  answer(e, step, session, input, { key }): FlowTurn {
    const items: TurnItem[] = [];
    const item = uploadItem(e.ctx, step, session);
    if (input.kind === 'files' && item) {
      const { $replacing, ...answers } = session.answers;
      items.push({ type: 'effect', effect: { action: step.action, flowId: session.flowId, answers: { ...answers, $item: item.value, $files: input.files, $replace: $replacing === true } } });
      return { items, session: { ...session, answers: $replacing === true ? { ...answers, $replacing: false } : session.answers, attempts: 0 } };
    }
    const stillMissing = step.source !== undefined && item !== undefined && uploadList(e.ctx, step, session.answers).some((i) => i.value === item.value);
    const leave = (answers: Record<string, unknown>): FlowTurn => {
      const { [step.field]: _left, $replacing: _replaced, ...rest } = answers;
      return { items, session: e.advance({ ...session, answers: step.source ? { ...rest } : { ...rest, [step.field]: answers[step.field] } }, step.source ? step.id : step.next, items) };
    };
    if (matches(words.exempt, key) && stillMissing && item) {
      if (!item.exemptible || !step.exempt) return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.upload.notExemptible'), items) };
      // Off the walk for now; the steps at `exempt` take the reason and record the declaration.
      const skipped = Array.isArray(session.answers.$skipped) ? session.answers.$skipped : [];
      const { [step.field]: _left, $replacing: _replaced, ...rest } = session.answers;
      return { items, session: e.advance({ ...session, answers: { ...rest, $skipped: [...skipped, item.value], $exemptItem: item.value } }, step.exempt, items) };
    }
    if (matches(words.done, key) || matches(words.skip, key)) {
      if (!stillMissing) return leave(session.answers);
      if (!item?.optional) return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.upload.required'), items) };
      const skipped = Array.isArray(session.answers.$skipped) ? session.answers.$skipped : [];
      return leave({ ...session.answers, $skipped: [...skipped, item.value] });
    }
    return { items, session: e.reprompt(session, step, text(e.ctx, 'flow.upload.sendFiles'), items) };
  },
  pickUp: () => ({ stop: 'here' }),
};
