import type { OutgoingMessage } from '../../outbound/outgoing-message.js';
import { toMatchKey } from '../../text/normalize-input.js';
import type { Flow, FlowStep } from '../flow-schema.js';
import type { ChoiceItem, ChoiceSource, EngineContext, FlowInput, FlowSession, FlowTurn, Prefill, TurnItem } from '../flow-types.js';

// What every step kind is made of: the record each kind fills in (StepKind), the engine's
// moves it may call (StepEngine, given by flow-engine.ts so that no kind imports the
// engine), and the small pure helpers several kinds share.

/** The person's text, normalised, and its match key ("Quay lại" → "quay lai"). */
export interface Said {
  raw: string;
  key: string;
}

/** The engine's moves, bound to one turn's context. */
export interface StepEngine {
  ctx: EngineContext;
  /** The step waits for the person (its kind asks). */
  asks(step: FlowStep): boolean;
  prompt(step: FlowStep, session: FlowSession): OutgoingMessage[];
  /** Moves from `stepId` through steps that need no answer until one that does; null when the conversation leaves the flows. */
  advance(session: FlowSession, stepId: string, items: TurnItem[]): FlowSession | null;
  enterSubflow(current: FlowSession, flowId: string, returnStepId: string, prefill: Prefill | undefined): FlowSession;
  nextAfter(session: FlowSession, step: FlowStep & { next: string }): FlowSession;
  afterAnswer(session: FlowSession, step: FlowStep & { next: string }, items: TurnItem[]): FlowSession | null;
  reprompt(session: FlowSession, step: FlowStep, hint: OutgoingMessage, items: TurnItem[]): FlowSession;
  accept(session: FlowSession, step: FlowStep & { field: string; next: string }, value: unknown, items: TurnItem[]): FlowTurn;
  skip(session: FlowSession, step: FlowStep & { field: string; next: string }, items: TurnItem[]): FlowTurn;
}

/** One kind of step, whole: a new kind is a new record in steps/step-kinds.ts, which must list every kind. */
export interface StepKind<S extends FlowStep> {
  /** It waits for the person: a session rests on it. */
  asks: boolean;
  /** What it asks, as the person will see it; nothing for a step that asks nothing. */
  prompt(e: StepEngine, step: S, session: FlowSession): OutgoingMessage[];
  /** Reached while moving on: go on (`next`), or rest here with its question in `items` (`rest`; null when the conversation leaves the flows). */
  reach(e: StepEngine, step: S, session: FlowSession, items: TurnItem[]): { next: FlowSession } | { rest: FlowSession | null };
  /** The person's input while the session rests on it. */
  answer(e: StepEngine, step: S, session: FlowSession, input: FlowInput, said: Said): FlowTurn;
  /** A changed flow's kept answers, walked from its start: stop here, start over, or go on to a step. */
  pickUp(e: StepEngine, step: S, answers: Record<string, unknown>): { stop: 'here' | 'restart' } | { next: string };
}

export const maxButtons = 5;
export const maxButtonTitle = 20;
/** Matches shown at once for a searched choice; more and the user is asked to type more. */
export const maxMatches = 9;
export const words = {
  back: ['quay lai', 'tro lai', 'back'],
  cancel: ['huy', 'cancel'],
  help: ['tro giup', 'giup', 'help'],
  skip: ['bo qua', 'skip'],
  exempt: ['khong phai cap', 'khong can cap', 'duoc mien', 'mien', 'not required', 'exempt'],
  yes: ['co', 'dong y', 'yes', 'ok', 'xac nhan', 'confirm'],
  no: ['khong', 'no'],
  done: ['xong', 'da xong', 'gui xong', 'het', 'done', 'next', 'tiep', 'tiep theo'],
};

export function matches(list: readonly string[], key: string): boolean {
  return list.includes(key);
}

export function flowOf(ctx: EngineContext, id: string): Flow {
  const flow = ctx.flows.get(id);
  if (!flow) throw new Error(`flow ${id} is not loaded`);
  return flow;
}

export function stepOf(flow: Flow, id: string): FlowStep {
  const step = flow.steps.find((s) => s.id === id);
  if (!step) throw new Error(`flow ${flow.id} has no step ${id}`);
  return step;
}

export function text(ctx: EngineContext, key: string, vars?: Record<string, string>): OutgoingMessage {
  return { kind: 'text', text: ctx.translate(ctx.locale, key, vars) };
}

export function replyButtons(ctx: EngineContext, keys: readonly string[]): { title: string; action: { kind: 'reply'; payload: string } }[] {
  return keys.map((key) => {
    const title = ctx.translate(ctx.locale, key);
    return { title, action: { kind: 'reply' as const, payload: title } };
  });
}

export function sourceOf(ctx: EngineContext, step: Extract<FlowStep, { kind: 'choose' }>, answers: Record<string, unknown>): ChoiceSource {
  if (step.choices) return { kind: 'list', items: step.choices.map((c) => ({ value: c.value, label: ctx.translate(ctx.locale, c.label), ...(c.primary ? { primary: true } : {}), ...(c.button ? { button: ctx.translate(ctx.locale, c.button) } : {}) })) };
  return ctx.choiceSource(step.source ?? '', answers);
}

export function formatAnswer(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An answer as the summary shows it: a choice by its label in the user's language. */
export function displayAnswer(ctx: EngineContext, flow: Flow, field: string, session: FlowSession): string | undefined {
  const value = formatAnswer(session.answers[field]);
  const step = flow.steps.find((s) => s.kind === 'choose' && s.field === field);
  if (value === undefined || step?.kind !== 'choose') return value;
  const source = sourceOf(ctx, step, session.answers);
  return (source.kind === 'list' ? source.items.find((c) => c.value === value)?.label : source.labelOf(value)) ?? value;
}

export function asItems(messages: OutgoingMessage[]): TurnItem[] {
  return messages.map((message) => ({ type: 'message' as const, message }));
}

export function chooseFrom(choices: ChoiceItem[], input: string): ChoiceItem | 'ambiguous' | undefined {
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

/** For a step that asks nothing: rested on (an old session), it moves on. */
export function moveOn(e: StepEngine, step: FlowStep, session: FlowSession): FlowTurn {
  const items: TurnItem[] = [];
  // A session never rests on a step that needs no answer; recover by moving on.
  return { items, session: e.advance(session, step.id, items) };
}

/** For a step that asks: reached, the session rests on it and its question goes out. */
export function restHere<S extends FlowStep>(e: StepEngine, step: S, session: FlowSession, items: TurnItem[]): { rest: FlowSession } {
  items.push(...asItems(e.prompt(step, session)));
  return { rest: session };
}
