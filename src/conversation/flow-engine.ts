import type { Locale, Translate } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import type { Flow, FlowStep } from './flow-schema.js';
import { toMatchKey, toNfc } from './normalize-input.js';
import type { ValidationResult } from './validators.js';

// The engine is pure: (flows, session, input, now) → (messages and effects in order, new
// session). The caller performs the effects in one transaction with the session write
// and the outbox rows, so a retried turn performs nothing twice.

export interface FlowSession {
  flowId: string;
  flowVersion: number;
  stepId: string;
  answers: Record<string, unknown>;
  /** What to show for an answer in the summary (the chosen label, not the code). */
  display: Record<string, string>;
  /** Failed answers at the current step. */
  attempts: number;
  /** Input steps answered, most recent last: "quay lại" goes back through them. */
  history: string[];
  /** Set while a field is edited from the summary: come back there after it. */
  returnTo?: string;
  /** "huỷ" was typed; the next answer confirms or withdraws it. */
  cancelPending?: boolean;
  /** Calling flows to resume when a sub-flow ends. */
  stack: { flowId: string; flowVersion: number; stepId: string }[];
}

export type FlowInput = { kind: 'start' } | { kind: 'text'; text: string } | { kind: 'other' };

export interface FlowEffect {
  action: string;
  flowId: string;
  answers: Record<string, unknown>;
}

export type TurnItem = { type: 'message'; message: OutgoingMessage } | { type: 'effect'; effect: FlowEffect };

export interface FlowTurn {
  items: TurnItem[];
  /** null when the conversation left the flow (ended or cancelled). */
  session: FlowSession | null;
}

export interface ChoiceItem {
  value: string;
  label: string;
}

/** Checks an answer with the validator a step names (see validators.ts). */
export type ValidateAnswer = (name: string, input: string, options: Record<string, unknown> | undefined, now: Date) => ValidationResult<unknown>;

export interface EngineContext {
  flows: ReadonlyMap<string, Flow>;
  translate: Translate;
  locale: Locale;
  validate: ValidateAnswer;
  /** Named lists the app provides (communes, product sets), already in the user's language. */
  choiceSource: (name: string, answers: Record<string, unknown>) => ChoiceItem[];
  now: Date;
}

const maxButtons = 5;
const maxButtonTitle = 20;
const words = {
  back: ['quay lai', 'tro lai', 'back'],
  cancel: ['huy', 'cancel'],
  help: ['tro giup', 'giup', 'help'],
  skip: ['bo qua', 'skip'],
  yes: ['co', 'dong y', 'yes', 'ok', 'xac nhan', 'confirm'],
  no: ['khong', 'no'],
};

function matches(list: readonly string[], key: string): boolean {
  return list.includes(key);
}

function flowOf(ctx: EngineContext, id: string): Flow {
  const flow = ctx.flows.get(id);
  if (!flow) throw new Error(`flow ${id} is not loaded`);
  return flow;
}

function stepOf(flow: Flow, id: string): FlowStep {
  const step = flow.steps.find((s) => s.id === id);
  if (!step) throw new Error(`flow ${flow.id} has no step ${id}`);
  return step;
}

function text(ctx: EngineContext, key: string, vars?: Record<string, string>): OutgoingMessage {
  return { kind: 'text', text: ctx.translate(ctx.locale, key, vars) };
}

function choicesOf(ctx: EngineContext, step: Extract<FlowStep, { kind: 'choose' }>, session: FlowSession): ChoiceItem[] {
  if (step.choices) return step.choices.map((c) => ({ value: c.value, label: ctx.translate(ctx.locale, c.label) }));
  return ctx.choiceSource(step.source ?? '', session.answers);
}

/** The question a step asks, as the user will see it. */
function prompt(ctx: EngineContext, step: FlowStep, session: FlowSession): OutgoingMessage[] {
  switch (step.kind) {
    case 'ask': {
      const question = ctx.translate(ctx.locale, step.prompt);
      return [{ kind: 'text', text: step.optional ? `${question}\n${ctx.translate(ctx.locale, 'flow.ask.optional')}` : question }];
    }
    case 'choose': {
      const choices = choicesOf(ctx, step, session);
      const question = ctx.translate(ctx.locale, step.prompt);
      // Zalo may cut or refuse long button titles: long labels go in a numbered list instead.
      if (choices.length <= maxButtons && choices.every((c) => c.label.length <= maxButtonTitle)) {
        return [{ kind: 'text', text: question, buttons: choices.map((c) => ({ title: c.label, action: { kind: 'reply' as const, payload: c.label } })) }];
      }
      const list = choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
      return [{ kind: 'text', text: `${question}\n${list}\n${ctx.translate(ctx.locale, 'flow.choose.typeNumberOrName')}` }];
    }
    case 'confirm': {
      const lines = step.fields.map((f, i) => `${i + 1}. ${ctx.translate(ctx.locale, f.label)}: ${session.display[f.field] ?? formatAnswer(session.answers[f.field]) ?? ctx.translate(ctx.locale, 'flow.confirm.empty')}`);
      return [
        {
          kind: 'text',
          text: `${ctx.translate(ctx.locale, step.prompt)}\n${lines.join('\n')}\n${ctx.translate(ctx.locale, 'flow.confirm.editHint')}`,
          buttons: [
            { title: ctx.translate(ctx.locale, 'flow.confirm.yes'), action: { kind: 'reply', payload: ctx.translate(ctx.locale, 'flow.confirm.yes') } },
            { title: ctx.translate(ctx.locale, 'flow.cancel.button'), action: { kind: 'reply', payload: ctx.translate(ctx.locale, 'flow.cancel.button') } },
          ],
        },
      ];
    }
    case 'upload':
      return [text(ctx, step.prompt)];
    default:
      return [];
  }
}

function formatAnswer(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Moves from `stepId` through steps that need no answer (say, branch, action, sub-flow,
 * end) until one that does, collecting what they say and do.
 */
function advance(ctx: EngineContext, session: FlowSession, stepId: string, items: TurnItem[]): FlowSession | null {
  let current: FlowSession = { ...session, stepId, attempts: 0 };
  for (let guard = 0; guard < 200; guard += 1) {
    const flow = flowOf(ctx, current.flowId);
    const step = stepOf(flow, current.stepId);
    switch (step.kind) {
      case 'say':
        items.push({ type: 'message', message: text(ctx, step.text) });
        current = { ...current, stepId: step.next };
        continue;
      case 'branch': {
        const value = formatAnswer(current.answers[step.field]);
        current = { ...current, stepId: step.cases.find((c) => c.equals === value)?.next ?? step.otherwise };
        continue;
      }
      case 'action':
        items.push({ type: 'effect', effect: { action: step.action, flowId: flow.id, answers: { ...current.answers } } });
        current = { ...current, stepId: step.next };
        continue;
      case 'subflow': {
        const child = flowOf(ctx, step.flow);
        current = {
          ...current,
          stack: [...current.stack, { flowId: flow.id, flowVersion: flow.version, stepId: step.next }],
          flowId: child.id,
          flowVersion: child.version,
          stepId: child.start,
        };
        continue;
      }
      case 'end': {
        if (step.text) items.push({ type: 'message', message: text(ctx, step.text) });
        const parent = current.stack.at(-1);
        if (!parent) return null;
        current = { ...current, ...parent, stack: current.stack.slice(0, -1) };
        continue;
      }
      default:
        items.push(...prompt(ctx, step, current).map((message) => ({ type: 'message' as const, message })));
        return current;
    }
  }
  throw new Error(`flow ${current.flowId} loops without asking anything`);
}

/** After an accepted answer: on to the next step, or back to the summary being edited. */
function afterAnswer(ctx: EngineContext, session: FlowSession, step: FlowStep & { next: string }, items: TurnItem[]): FlowSession | null {
  const { returnTo, ...rest } = { ...session, history: [...session.history, step.id] };
  return advance(ctx, rest, returnTo ?? step.next, items);
}

function reprompt(ctx: EngineContext, session: FlowSession, step: FlowStep, hint: OutgoingMessage, items: TurnItem[]): FlowSession {
  const attempts = session.attempts + 1;
  const flow = flowOf(ctx, session.flowId);
  items.push({ type: 'message', message: hint });
  if (attempts >= flow.maxAttempts) {
    // Several failed tries: offer a way out instead of the same question again.
    items.push({
      type: 'message',
      message: {
        kind: 'text',
        text: ctx.translate(ctx.locale, 'flow.stuck'),
        buttons: ['flow.help.button', 'flow.menu.button', 'flow.official.button'].map((key) => ({
          title: ctx.translate(ctx.locale, key),
          action: { kind: 'reply' as const, payload: ctx.translate(ctx.locale, key) },
        })),
      },
    });
  }
  items.push(...prompt(ctx, step, session).map((message) => ({ type: 'message' as const, message })));
  return { ...session, attempts };
}

function chooseFrom(choices: ChoiceItem[], input: string): ChoiceItem | 'ambiguous' | undefined {
  const key = toMatchKey(input);
  const number = /^\d{1,3}$/.test(key) ? Number(key) : undefined;
  if (number !== undefined) return choices[number - 1];
  const exact = choices.find((c) => toMatchKey(c.label) === key || toMatchKey(c.value) === key);
  if (exact) return exact;
  if (key.length < 2) return undefined;
  const partial = choices.filter((c) => toMatchKey(c.label).includes(key));
  if (partial.length === 1) return partial[0];
  return partial.length > 1 ? 'ambiguous' : undefined;
}

/** Starts `flowId` for a person with no flow in progress. */
export function startFlow(ctx: EngineContext, flowId: string): FlowTurn {
  const flow = flowOf(ctx, flowId);
  const items: TurnItem[] = [];
  const session = advance(ctx, { flowId: flow.id, flowVersion: flow.version, stepId: flow.start, answers: {}, display: {}, attempts: 0, history: [], stack: [] }, flow.start, items);
  return { items, session };
}

/** One turn: the person's answer to the step their session is on. */
export function runFlowTurn(ctx: EngineContext, session: FlowSession, input: FlowInput): FlowTurn {
  const items: TurnItem[] = [];
  const flow = flowOf(ctx, session.flowId);
  const step = stepOf(flow, session.stepId);
  const raw = input.kind === 'text' ? toNfc(input.text).trim() : '';
  const key = toMatchKey(raw);
  const repeat = () => prompt(ctx, step, session).map((message) => ({ type: 'message' as const, message }));

  if (input.kind === 'start') return { items: repeat(), session };

  if (session.cancelPending) {
    if (matches(words.yes, key) || matches(words.cancel, key)) return { items: [{ type: 'message', message: text(ctx, 'flow.cancel.done') }], session: null };
    const { cancelPending: _withdrawn, ...rest } = session;
    return { items: [{ type: 'message', message: text(ctx, 'flow.cancel.kept') }, ...repeat()], session: rest };
  }
  if (matches(words.cancel, key)) {
    return {
      items: [
        {
          type: 'message',
          message: {
            kind: 'text',
            text: ctx.translate(ctx.locale, 'flow.cancel.confirm'),
            buttons: ['flow.cancel.yes', 'flow.cancel.no'].map((k) => ({ title: ctx.translate(ctx.locale, k), action: { kind: 'reply' as const, payload: ctx.translate(ctx.locale, k) } })),
          },
        },
      ],
      session: { ...session, cancelPending: true },
    };
  }
  if (matches(words.help, key)) {
    return { items: [{ type: 'message', message: text(ctx, 'flow.help', { flow: ctx.translate(ctx.locale, flow.title) }) }, ...repeat()], session: { ...session, attempts: 0 } };
  }
  if (matches(words.back, key)) {
    const previous = session.history.at(-1);
    if (!previous) return { items: [{ type: 'message', message: text(ctx, 'flow.back.atStart') }, ...repeat()], session };
    const back = { ...session, stepId: previous, attempts: 0, history: session.history.slice(0, -1) };
    return { items: prompt(ctx, stepOf(flow, previous), back).map((message) => ({ type: 'message' as const, message })), session: back };
  }

  switch (step.kind) {
    case 'ask': {
      if (input.kind !== 'text' || raw === '') return { items: [], session: reprompt(ctx, session, step, text(ctx, 'flow.ask.textNeeded'), items) };
      if (step.optional && matches(words.skip, key)) {
        const { [step.field]: _skipped, ...answers } = session.answers;
        return { items, session: afterAnswer(ctx, { ...session, answers }, step, items) };
      }
      const result = ctx.validate(step.validator.name, raw, step.validator.options, ctx.now);
      if (!result.ok) return { items, session: reprompt(ctx, session, step, text(ctx, result.hintKey, result.vars), items) };
      const display = { ...session.display };
      delete display[step.field];
      return { items, session: afterAnswer(ctx, { ...session, answers: { ...session.answers, [step.field]: result.value }, display }, step, items) };
    }
    case 'choose': {
      const choices = choicesOf(ctx, step, session);
      const chosen = input.kind === 'text' ? chooseFrom(choices, raw) : undefined;
      if (chosen === 'ambiguous') return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.choose.ambiguous'), items) };
      if (!chosen) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.choose.unknown'), items) };
      return {
        items,
        session: afterAnswer(ctx, { ...session, answers: { ...session.answers, [step.field]: chosen.value }, display: { ...session.display, [step.field]: chosen.label } }, step, items),
      };
    }
    case 'confirm': {
      const edit = /^(sua|edit)\s*(\d{1,2})$/.exec(key);
      if (edit) {
        const field = step.fields[Number(edit[2]) - 1];
        if (!field) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.confirm.noSuchItem', { count: String(step.fields.length) }), items) };
        const editing = { ...session, stepId: field.step, attempts: 0, returnTo: step.id };
        return { items: prompt(ctx, stepOf(flow, field.step), editing).map((message) => ({ type: 'message' as const, message })), session: editing };
      }
      if (matches(words.yes, key) || key === toMatchKey(ctx.translate(ctx.locale, 'flow.confirm.yes'))) {
        return { items, session: afterAnswer(ctx, session, step, items) };
      }
      return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.confirm.unclear'), items) };
    }
    case 'upload':
      // Completed with the dossier capability: files are taken by the caller.
      return { items: repeat(), session };
    default:
      // A session never rests on a step that needs no answer; recover by moving on.
      return { items, session: advance(ctx, session, step.id, items) };
  }
}
