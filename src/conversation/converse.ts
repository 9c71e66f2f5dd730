import type { Locale } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { reconcileSession, repeatPrompt, runFlowTurn, startFlow, type EngineContext, type FlowSession, type ReceivedFile, type SharedInfo, type TurnItem } from './flow-engine.js';
import { toMatchKey } from '../text/normalize-input.js';
import type { ConversationState, PendingQuestion } from './session-store.js';

// The conversation around the flows: the main menu at the root, the words that work at
// any step ("menu", "tiếp tục", "English"), a flow set aside and resumed, a conversation
// picked up after days, a flow changed by a deploy. Pure, like the engine under it.

export const menuFlowId = 'main-menu';
/** Effects the router settles itself; flows may name them as actions. */
export const routerActions = ['switchLanguage'] as const;

export type ConversationInput = { kind: 'follow' } | { kind: 'text'; text: string } | { kind: 'shared'; info: SharedInfo } | { kind: 'files'; files: ReceivedFile[] } | { kind: 'other' };

export interface ConversationTurn {
  items: TurnItem[];
  state: ConversationState;
  locale: Locale;
}

export interface ConverseOptions {
  /** Untouched this long, a flow in progress is resumed with a question first. */
  resumeAfterMs: number;
  /** Answers of the person's idea sent back for changes, opened on its summary by "sửa và gửi lại". */
  revision: Record<string, unknown> | undefined;
  /** Text that looks like an official's one-time link code. */
  isInvitationCode: (text: string) => boolean;
  /** Commands that buttons send (`#ack:…`, `#later:…`), each parsed by the feature that owns it. */
  commands: readonly ConversationCommand[];
}

/**
 * A command a button sends as hidden text: the feature that owns it parses it into the
 * answers of its action. The conversation stays where it was.
 */
export interface ConversationCommand {
  action: string;
  parse(text: string): Record<string, string> | undefined;
}

export interface StoredTurnState {
  state: ConversationState | null;
  updatedAt: Date | null;
  locale: Locale;
}

const words = {
  menu: ['menu', 'menu chinh', 'main menu'],
  resume: ['tiep tuc', 'continue', 'resume'],
  restart: ['lam lai', 'start again', 'restart', 'bat dau lai'],
  replace: ['bat dau muc moi', 'start the new one'],
  revise: ['sua va gui lai', 'fix and resubmit'],
  official: ['gap can bo', 'talk to an official'],
  missing: ['con thieu', 'thieu gi', 'missing', 'what is missing'],
  sendItems: ['gui bo sung', 'send the items'],
  signIn: ['dang nhap', 'sign in', 'log in', 'login'],
};

function languageRequested(key: string): Locale | undefined {
  if (key === 'english' || key === 'tieng anh') return 'en';
  if (key === 'tieng viet' || key === 'vietnamese') return 'vi';
  return undefined;
}

function say(ctx: EngineContext, key: string, vars?: Record<string, string>): TurnItem {
  return { type: 'message', message: { kind: 'text', text: ctx.translate(ctx.locale, key, vars) } };
}

function ask(ctx: EngineContext, key: string, vars: Record<string, string>, buttons: string[]): TurnItem {
  const message: OutgoingMessage = {
    kind: 'text',
    text: ctx.translate(ctx.locale, key, vars),
    buttons: buttons.map((b) => {
      const title = ctx.translate(ctx.locale, b);
      return { title, action: { kind: 'reply' as const, payload: title } };
    }),
  };
  return { type: 'message', message };
}

/** In a flow the person chose, rather than at the menu. */
function inFlow(session: FlowSession): boolean {
  return session.stack.length > 0 || session.flowId !== menuFlowId;
}

/** The flow the person chose from the menu (a profile asked inside an idea belongs to the idea). */
function chosenFlowId(session: FlowSession): string {
  return session.stack[1]?.flowId ?? session.flowId;
}

function currentStepKind(ctx: EngineContext, session: FlowSession): string | undefined {
  return ctx.flows.get(session.flowId)?.steps.find((step) => step.id === session.stepId)?.kind;
}

function answeredCount(session: FlowSession): number {
  return [...session.stack.slice(1), session].reduce((n, frame) => n + Object.keys(frame.answers).filter((k) => !k.startsWith('$')).length, 0);
}

/**
 * How to speak of a flow left unfinished: a flow that collects documents keeps what was
 * sent whatever the person chooses, so it says so instead of counting "answers".
 */
function collectsDocuments(ctx: EngineContext, flowId: string): boolean {
  return ctx.flows.get(flowId)?.steps.some((step) => step.kind === 'upload') ?? false;
}

function titleOf(ctx: EngineContext, flowId: string): string {
  const flow = ctx.flows.get(flowId);
  return flow ? ctx.translate(ctx.locale, flow.title) : flowId;
}

/** The main menu, resting at its question, with nothing said yet. */
function menuSession(ctx: EngineContext): FlowSession {
  const session = startFlow(ctx, menuFlowId).session;
  if (!session) throw new Error('the main menu flow ends without asking');
  return session;
}

function showMenu(ctx: EngineContext, keep: Omit<ConversationState, 'flow'>): { items: TurnItem[]; state: ConversationState } {
  const turn = startFlow(ctx, menuFlowId);
  if (!turn.session) throw new Error('the main menu flow ends without asking');
  const { pending: _dropped, ...rest } = keep;
  return { items: turn.items, state: { ...rest, flow: turn.session } };
}

/** Starts a flow chosen outside the menu (a revision, a call for an official) on top of the menu. */
function openFlow(ctx: EngineContext, flowId: string, answers?: Record<string, unknown>, stepId?: string): { items: TurnItem[]; flow: FlowSession } {
  const turn = startFlow(ctx, flowId, { parent: menuSession(ctx), ...(answers ? { answers } : {}), ...(stepId ? { stepId } : {}) });
  return { items: turn.items, flow: turn.session ?? menuSession(ctx) };
}

/** Sets the flow in progress aside (for "tiếp tục"), if there is one. */
function setAside(state: ConversationState): Omit<ConversationState, 'flow'> {
  return inFlow(state.flow) ? { suspended: state.flow } : state.suspended ? { suspended: state.suspended } : {};
}

function askPending(ctx: EngineContext, state: ConversationState, pending: PendingQuestion): TurnItem {
  const resume = (session: FlowSession) => {
    const flowId = chosenFlowId(session);
    return collectsDocuments(ctx, flowId)
      ? ask(ctx, 'conversation.resume.questionDocuments', { flow: titleOf(ctx, flowId) }, ['conversation.resume.continue', 'conversation.resume.restart'])
      : ask(ctx, 'conversation.resume.question', { flow: titleOf(ctx, flowId), count: String(answeredCount(session)) }, ['conversation.resume.continue', 'conversation.resume.restart']);
  };
  if (pending.kind === 'resume') return resume(state.flow);
  const current = state.suspended ?? state.flow;
  if (chosenFlowId(current) === pending.flowId) return resume(current);
  const documents = collectsDocuments(ctx, chosenFlowId(current));
  return ask(
    ctx,
    documents ? 'conversation.replace.questionDocuments' : 'conversation.replace.question',
    { current: titleOf(ctx, chosenFlowId(current)), next: titleOf(ctx, pending.flowId), ...(documents ? {} : { count: String(answeredCount(current)) }) },
    ['conversation.resume.continue', 'conversation.replace.start'],
  );
}

/** The answer to "continue or start again?". */
function settlePending(ctx: EngineContext, state: ConversationState, pending: PendingQuestion, key: string): { items: TurnItem[]; state: ConversationState } {
  const { pending: _settled, ...rest } = state;
  if (words.resume.includes(key)) {
    const flow = pending.kind === 'replace' && state.suspended ? state.suspended : state.flow;
    const { suspended: _resumed, ...kept } = rest;
    return { items: [say(ctx, 'conversation.resumed', { flow: titleOf(ctx, chosenFlowId(flow)) }), ...repeatPrompt(ctx, flow)], state: { ...kept, flow } };
  }
  if (words.restart.includes(key) || words.replace.includes(key)) {
    const flowId = pending.kind === 'replace' ? pending.flowId : chosenFlowId(state.flow);
    const opened = openFlow(ctx, flowId);
    return { items: opened.items, state: { flow: opened.flow } };
  }
  return { items: [say(ctx, pending.kind === 'resume' ? 'conversation.resume.unclear' : 'conversation.replace.unclear'), askPending(ctx, state, pending)], state };
}

/**
 * One turn of the conversation: what the person sent, against what is remembered of
 * them. `engineFor` builds the engine's context in a language (it changes mid-turn when
 * the person switches).
 */
export function converse(engineFor: (locale: Locale) => EngineContext, input: ConversationInput, stored: StoredTurnState, options: ConverseOptions): ConversationTurn {
  let locale = stored.locale;
  let ctx = engineFor(locale);
  const notices: TurnItem[] = [];
  let state = stored.state;

  // A deploy may have changed the flows under a conversation in progress.
  if (state) {
    const current = reconcileSession(ctx, state.flow);
    const suspended = state.suspended ? reconcileSession(ctx, state.suspended).session : undefined;
    if (current.changed) notices.push(current.session ? say(ctx, 'conversation.flowUpdated', { flow: titleOf(ctx, chosenFlowId(current.session)) }) : say(ctx, 'conversation.flowRestarted'));
    state = current.session ? { flow: current.session, ...(suspended ? { suspended } : {}), ...(state.pending ? { pending: state.pending } : {}) } : null;
  }
  const done = (items: TurnItem[], next: ConversationState): ConversationTurn => ({ items: [...notices, ...items], state: next, locale });
  const movedQuestion = stored.state !== null && state !== null && (state.flow.flowId !== stored.state.flow.flowId || state.flow.stepId !== stored.state.flow.stepId);

  if (input.kind === 'text' && options.isInvitationCode(input.text)) {
    return { items: [...notices, { type: 'effect', effect: { action: 'linkAccount', flowId: state?.flow.flowId ?? menuFlowId, answers: { code: input.text } } }], state: state ?? showMenu(ctx, {}).state, locale };
  }
  for (const command of input.kind === 'text' ? options.commands : []) {
    const answers = input.kind === 'text' ? command.parse(input.text) : undefined;
    // A tap such as "Đã nhận hồ sơ" or "Nhắc lại sau": handled, and the conversation stays where it was.
    if (answers) return { items: [...notices, { type: 'effect', effect: { action: command.action, flowId: state?.flow.flowId ?? menuFlowId, answers } }], state: state ?? showMenu(ctx, {}).state, locale };
  }
  const key = input.kind === 'text' ? toMatchKey(input.text) : '';
  if (words.signIn.includes(key)) {
    // An official asks for a link to the console: answered, and the conversation stays where it was.
    return { items: [...notices, { type: 'effect', effect: { action: 'consoleSignIn', flowId: state?.flow.flowId ?? menuFlowId, answers: {} } }], state: state ?? showMenu(ctx, {}).state, locale };
  }
  const language = languageRequested(key);
  if (input.kind === 'follow' || (!state && !language)) {
    const keep = state ? setAside(state) : {};
    const menu = showMenu(ctx, keep);
    const hint = keep.suspended ? [say(ctx, 'conversation.suspendedHint', { flow: titleOf(ctx, chosenFlowId(keep.suspended)) })] : [];
    return done([say(ctx, 'menu.greeting'), ...hint, ...menu.items], menu.state);
  }
  if (language) {
    locale = language;
    ctx = engineFor(locale);
    if (!state) {
      const menu = showMenu(ctx, {});
      return done([say(ctx, 'common.languageChanged'), ...menu.items], menu.state);
    }
    const again = state.pending ? [askPending(ctx, state, state.pending)] : repeatPrompt(ctx, state.flow);
    return done([say(ctx, 'common.languageChanged'), ...again], state);
  }
  if (!state) throw new Error('unreachable: a conversation without state was answered above');
  if (words.menu.includes(key)) {
    const keep = setAside(state);
    const menu = showMenu(ctx, keep);
    const hint = keep.suspended ? [say(ctx, 'conversation.suspendedHint', { flow: titleOf(ctx, chosenFlowId(keep.suspended)) })] : [];
    return done([...hint, ...menu.items], menu.state);
  }
  if (state.pending) {
    const settled = settlePending(ctx, state, state.pending, key);
    return done(settled.items, settled.state);
  }
  if (words.resume.includes(key)) {
    // A flow just opened and not yet answered gives way to the one set aside.
    const flow = inFlow(state.flow) && (answeredCount(state.flow) > 0 || !state.suspended) ? state.flow : state.suspended;
    if (!flow) {
      const menu = showMenu(ctx, {});
      return done([say(ctx, 'conversation.nothingToResume'), ...menu.items], menu.state);
    }
    return done([say(ctx, 'conversation.resumed', { flow: titleOf(ctx, chosenFlowId(flow)) }), ...repeatPrompt(ctx, flow)], { flow });
  }
  if (words.revise.includes(key)) {
    if (!options.revision) return done([say(ctx, 'conversation.revise.none'), ...repeatPrompt(ctx, state.flow)], state);
    const opened = openFlow(ctx, 'product-idea', options.revision, 'summary');
    return done(opened.items, { ...setAside(state), flow: opened.flow });
  }
  if (words.sendItems.includes(key)) {
    // The button under a returned dossier: straight to the items to redo.
    const opened = openFlow(ctx, 'dossier');
    return done(opened.items, { ...setAside(state), flow: opened.flow });
  }
  if (words.official.includes(key) && inFlow(state.flow)) {
    const opened = openFlow(ctx, 'talk-to-official');
    return done(opened.items, { ...setAside(state), flow: opened.flow });
  }
  if (words.missing.includes(key)) {
    // "còn thiếu" at any moment: the progress of every dossier, then back where they were.
    return done([{ type: 'effect', effect: { action: 'showDossierProgress', flowId: state.flow.flowId, answers: {} } }, ...repeatPrompt(ctx, state.flow)], state);
  }
  if (input.kind === 'files' && currentStepKind(ctx, state.flow) !== 'upload') {
    // Kept in the inbound record, but not taken for any item: say where files belong.
    return done([say(ctx, 'conversation.filesNotExpected'), ...repeatPrompt(ctx, state.flow)], state);
  }
  if (inFlow(state.flow) && stored.updatedAt && ctx.now.getTime() - stored.updatedAt.getTime() >= options.resumeAfterMs) {
    // Days later, the next message is rarely the answer to the old question: ask first.
    const pending: PendingQuestion = { kind: 'resume' };
    return done([askPending(ctx, state, pending)], { ...state, pending });
  }

  if (movedQuestion) {
    // The question this message answered is gone: ask the one the changed flow continues with.
    return done(repeatPrompt(ctx, state.flow), state);
  }

  const turn = runFlowTurn(ctx, state.flow, input);

  if (state.suspended && !inFlow(state.flow) && turn.session && inFlow(turn.session)) {
    // A new choice from the menu while another flow waits: ask before dropping it.
    const pending: PendingQuestion = { kind: 'replace', flowId: chosenFlowId(turn.session) };
    return done([askPending(ctx, state, pending)], { ...state, pending });
  }

  const switchAt = turn.items.findIndex((item) => item.type === 'effect' && item.effect.action === 'switchLanguage');
  if (switchAt >= 0 && turn.session) {
    locale = locale === 'vi' ? 'en' : 'vi';
    ctx = engineFor(locale);
    return done([...turn.items.slice(0, switchAt), say(ctx, 'common.languageChanged'), ...repeatPrompt(ctx, turn.session)], { ...state, flow: turn.session });
  }
  if (!turn.session) {
    // Cancelled, or the menu itself ended: back to the menu, keeping anything set aside.
    const menu = showMenu(ctx, state.suspended ? { suspended: state.suspended } : {});
    return done([...turn.items, ...menu.items], menu.state);
  }
  return done(turn.items, { ...state, flow: turn.session });
}
