import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import type { Flow, FlowStep } from './flow-schema.js';
import type { EngineContext, FlowFrame, FlowInput, FlowSession, FlowTurn, Prefill, TurnItem } from './flow-types.js';
import { branchTarget } from './steps/branch.js';
import { kindOf } from './steps/step-kinds.js';
import { asItems, flowOf, matches, replyButtons, stepOf, text, words, type StepEngine } from './steps/step-parts.js';

export type * from './flow-types.js';

// The engine is pure: (flows, session, input, now) → (messages and effects in order, new
// session). The caller performs the effects in one transaction with the session write
// and the outbox rows, so a retried turn performs nothing twice.

/** The question a step asks, as the user will see it. */
function prompt(ctx: EngineContext, step: FlowStep, session: FlowSession): OutgoingMessage[] {
  return kindOf(step).prompt(engineOf(ctx), step, session);
}

/** The engine's moves, as each step kind calls them. */
function engineOf(ctx: EngineContext): StepEngine {
  return {
    ctx,
    asks: (step) => kindOf(step).asks,
    prompt: (step, session) => prompt(ctx, step, session),
    advance: (session, stepId, items) => advance(ctx, session, stepId, items),
    enterSubflow: (current, flowId, returnStepId, prefill) => enterSubflow(ctx, current, flowId, returnStepId, prefill),
    nextAfter: (session, step) => nextAfter(ctx, session, step),
    afterAnswer: (session, step, items) => afterAnswer(ctx, session, step, items),
    reprompt: (session, step, hint, items) => reprompt(ctx, session, step, hint, items),
    accept: (session, step, value, items) => accept(ctx, session, step, value, items),
    skip: (session, step, items) => skip(ctx, session, step, items),
  };
}

function enterSubflow(ctx: EngineContext, current: FlowSession, flowId: string, returnStepId: string, prefill: Prefill | undefined): FlowSession {
  const child = flowOf(ctx, flowId);
  const frame: FlowFrame = { flowId: current.flowId, flowVersion: current.flowVersion, stepId: returnStepId, answers: current.answers, history: current.history };
  return {
    flowId: child.id,
    flowVersion: child.version,
    stepId: prefill?.stepId ?? child.start,
    answers: { ...(prefill?.answers ?? {}) },
    attempts: 0,
    history: [],
    stack: [...current.stack, frame],
  };
}

/**
 * Moves from `stepId` through steps that need no answer (say, branch, action, sub-flow,
 * end, a list with one choice) until one that does, collecting what they say and do.
 */
function advance(ctx: EngineContext, session: FlowSession, stepId: string, items: TurnItem[]): FlowSession | null {
  const e = engineOf(ctx);
  const { matches: _shown, ...rest } = session;
  let current: FlowSession = { ...rest, stepId, attempts: 0 };
  for (let guard = 0; guard < 200; guard += 1) {
    const step = stepOf(flowOf(ctx, current.flowId), current.stepId);
    const reached = kindOf(step).reach(e, step, current, items);
    if ('rest' in reached) return reached.rest;
    current = reached.next;
  }
  throw new Error(`flow ${current.flowId} loops without asking anything`);
}

/**
 * The first question between `from` and the summary `until` that has no answer, now that
 * an edit changed the path (a new kind of producer needs another registration number);
 * optional questions left empty count as answered.
 */
function openStepBefore(ctx: EngineContext, flow: Flow, from: string, until: string, answers: Record<string, unknown>): string {
  let id = from;
  for (let guard = 0; guard < 200 && id !== until; guard += 1) {
    const step = stepOf(flow, id);
    if (step.kind === 'say') id = step.next;
    else if (step.kind === 'branch') id = branchTarget(ctx, step, answers);
    else if ((step.kind === 'ask' || step.kind === 'choose') && (answers[step.field] !== undefined || step.optional)) id = step.next;
    else return kindOf(step).asks ? id : until;
  }
  return until;
}

/** The step after `step`: its next, or, once an edit is complete, any question it opened, then the summary. */
function nextAfter(ctx: EngineContext, session: FlowSession, step: FlowStep & { next: string }): FlowSession {
  if (!session.returnTo || (session.returnTo.after !== undefined && session.returnTo.after !== step.id)) return { ...session, stepId: step.next };
  const { returnTo, ...rest } = session;
  const open = openStepBefore(ctx, flowOf(ctx, session.flowId), step.next, returnTo.stepId, session.answers);
  return open === returnTo.stepId ? { ...rest, stepId: open } : { ...rest, stepId: open, returnTo: { stepId: returnTo.stepId } };
}

/** After an accepted answer: on to the next step, or back to the summary being edited. */
function afterAnswer(ctx: EngineContext, session: FlowSession, step: FlowStep & { next: string }, items: TurnItem[]): FlowSession | null {
  const moved = nextAfter(ctx, { ...session, history: [...session.history, step.id] }, step);
  return advance(ctx, moved, moved.stepId, items);
}

function reprompt(ctx: EngineContext, session: FlowSession, step: FlowStep, hint: OutgoingMessage, items: TurnItem[]): FlowSession {
  const attempts = session.attempts + 1;
  const flow = flowOf(ctx, session.flowId);
  items.push({ type: 'message', message: hint });
  if (attempts >= flow.maxAttempts) {
    // Several failed tries: offer a way out instead of the same question again.
    items.push({ type: 'message', message: { kind: 'text', text: ctx.translate(ctx.locale, 'flow.stuck'), buttons: replyButtons(ctx, ['flow.help.button', 'flow.menu.button', 'flow.official.button']) } });
  }
  items.push(...asItems(prompt(ctx, step, session)));
  return { ...session, attempts };
}

function accept(ctx: EngineContext, session: FlowSession, step: FlowStep & { field: string; next: string }, value: unknown, items: TurnItem[]): FlowTurn {
  return { items, session: afterAnswer(ctx, { ...session, answers: { ...session.answers, [step.field]: value } }, step, items) };
}

/** "bỏ qua" on an optional question: its field stays empty (an earlier answer goes). */
function skip(ctx: EngineContext, session: FlowSession, step: FlowStep & { field: string; next: string }, items: TurnItem[]): FlowTurn {
  const { [step.field]: _skipped, ...answers } = session.answers;
  return { items, session: afterAnswer(ctx, { ...session, answers }, step, items) };
}

export interface StartOptions {
  answers?: Record<string, unknown>;
  /** Open here (a summary) instead of the flow's start. */
  stepId?: string;
  /** Run the flow as a sub-flow of this session, which resumes where it is when it ends. */
  parent?: FlowSession;
}

/** Starts `flowId`, alone or on top of a session that resumes after it. */
export function startFlow(ctx: EngineContext, flowId: string, options: StartOptions = {}): FlowTurn {
  const flow = flowOf(ctx, flowId);
  const items: TurnItem[] = [];
  const prefill = { answers: options.answers ?? {}, ...(options.stepId ? { stepId: options.stepId } : {}) };
  const base: FlowSession = options.parent
    ? enterSubflow(ctx, options.parent, flow.id, options.parent.stepId, prefill)
    : { flowId: flow.id, flowVersion: flow.version, stepId: prefill.stepId ?? flow.start, answers: { ...prefill.answers }, attempts: 0, history: [], stack: [] };
  return { items, session: advance(ctx, base, base.stepId, items) };
}

/** One turn: the person's answer to the step their session is on. */
export function runFlowTurn(ctx: EngineContext, session: FlowSession, input: FlowInput): FlowTurn {
  const items: TurnItem[] = [];
  const flow = flowOf(ctx, session.flowId);
  const step = stepOf(flow, session.stepId);
  const raw = input.kind === 'text' ? toNfc(input.text).trim() : '';
  const key = toMatchKey(raw);
  const repeat = () => asItems(prompt(ctx, step, session));

  if (input.kind === 'start') return { items: repeat(), session };

  if (session.cancelPending) {
    if (matches(words.yes, key) || matches(words.cancel, key) || key === toMatchKey(ctx.translate(ctx.locale, 'flow.cancel.yes'))) {
      return { items: [{ type: 'message', message: text(ctx, 'flow.cancel.done') }], session: null };
    }
    const { cancelPending: _withdrawn, ...rest } = session;
    return { items: [{ type: 'message', message: text(ctx, 'flow.cancel.kept') }, ...asItems(prompt(ctx, step, rest))], session: rest };
  }
  if (matches(words.cancel, key)) {
    return {
      items: [{ type: 'message', message: { kind: 'text', text: ctx.translate(ctx.locale, 'flow.cancel.confirm'), buttons: replyButtons(ctx, ['flow.cancel.yes', 'flow.cancel.no']) } }],
      session: { ...session, cancelPending: true },
    };
  }
  if (matches(words.help, key)) {
    return { items: [{ type: 'message', message: text(ctx, 'flow.help', { flow: ctx.translate(ctx.locale, flow.title) }) }, ...repeat()], session: { ...session, attempts: 0 } };
  }
  if (matches(words.back, key)) {
    const previous = session.history.at(-1);
    if (!previous) return { items: [{ type: 'message', message: text(ctx, 'flow.back.atStart') }, ...repeat()], session };
    const { matches: _shown, ...rest } = session;
    const back = { ...rest, stepId: previous, attempts: 0, history: session.history.slice(0, -1) };
    return { items: asItems(prompt(ctx, stepOf(flow, previous), back)), session: back };
  }

  return kindOf(step).answer(engineOf(ctx), step, session, input, { raw, key });
}

/** Fields a flow asks for: answers to anything else are dropped when a flow changes. */
function fieldsOf(flow: Flow): Set<string> {
  return new Set(flow.steps.flatMap((s) => (s.kind === 'ask' || s.kind === 'choose' ? [s.field] : [])));
}

/** Answers whose fields the flow still asks, and what the app put in (keys starting with $). */
function keepAnswers(flow: Flow, answers: Record<string, unknown>): Record<string, unknown> {
  const fields = fieldsOf(flow);
  return Object.fromEntries(Object.entries(answers).filter(([field]) => fields.has(field) || field.startsWith('$')));
}

/**
 * Where a changed flow picks up with the answers it kept: the first question without an
 * answer, or the summary. A walk that would run an action again starts over instead.
 */
function firstOpenStep(ctx: EngineContext, flow: Flow, answers: Record<string, unknown>): string {
  const e = engineOf(ctx);
  let id = flow.start;
  for (let guard = 0; guard < 200; guard += 1) {
    const step = stepOf(flow, id);
    const picked = kindOf(step).pickUp(e, step, answers);
    if ('next' in picked) id = picked.next;
    else return picked.stop === 'here' ? id : flow.start;
  }
  return flow.start;
}

/**
 * A session started on an older version of its flows, brought onto the loaded ones:
 * answers whose fields still exist are kept, and it continues at the same question when
 * that still exists, else at the first open one. null when it cannot continue (a flow
 * was removed); `changed` tells the caller to say so.
 */
export function reconcileSession(ctx: EngineContext, session: FlowSession): { session: FlowSession | null; changed: boolean } {
  const frames = [...session.stack, session];
  if (frames.every((f) => ctx.flows.get(f.flowId)?.version === f.flowVersion)) return { session, changed: false };
  const stack: FlowFrame[] = [];
  for (const frame of session.stack) {
    const flow = ctx.flows.get(frame.flowId);
    if (!flow || !flow.steps.some((s) => s.id === frame.stepId)) return { session: null, changed: true };
    stack.push({ ...frame, flowVersion: flow.version, answers: keepAnswers(flow, frame.answers) });
  }
  const flow = ctx.flows.get(session.flowId);
  if (!flow) return { session: null, changed: true };
  const answers = keepAnswers(flow, session.answers);
  const current = flow.steps.find((s) => s.id === session.stepId);
  const stepId = current && kindOf(current).asks ? current.id : firstOpenStep(ctx, flow, answers);
  return { session: { flowId: flow.id, flowVersion: flow.version, stepId, answers, attempts: 0, history: [], stack }, changed: true };
}

/** The prompt of the step the session is on, again (after a pause, a language change). */
export function repeatPrompt(ctx: EngineContext, session: FlowSession): TurnItem[] {
  return asItems(prompt(ctx, stepOf(flowOf(ctx, session.flowId), session.stepId), session));
}
