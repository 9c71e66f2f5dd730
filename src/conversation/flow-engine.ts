import type { Locale, Translate } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { maskPersonalId } from '../text/personal-id.js';
import { unknownStepKind, type Flow, type FlowStep } from './flow-schema.js';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import type { ValidationResult } from '../text/validators.js';

// The engine is pure: (flows, session, input, now) → (messages and effects in order, new
// session). The caller performs the effects in one transaction with the session write
// and the outbox rows, so a retried turn performs nothing twice.

/** A calling flow waiting for a sub-flow to end; its answers come back with it. */
export interface FlowFrame {
  flowId: string;
  flowVersion: number;
  stepId: string;
  answers: Record<string, unknown>;
  history: string[];
}

export interface FlowSession {
  flowId: string;
  flowVersion: number;
  stepId: string;
  /** This flow's answers; a sub-flow starts with its own and the caller's come back after. */
  answers: Record<string, unknown>;
  /** Failed answers at the current step. */
  attempts: number;
  /** Input steps answered, most recent last: "quay lại" goes back through them. */
  history: string[];
  /**
   * Set while a field is edited from the summary: come back there once `after` is answered
   * (no `after`: once any question is, for an edit that starts at a branch).
   */
  returnTo?: { stepId: string; after?: string };
  /** "huỷ" was typed; the next answer confirms or withdraws it. */
  cancelPending?: boolean;
  /** Values of a searched choice's numbered matches, so "2" picks the second one shown. */
  matches?: string[];
  stack: FlowFrame[];
}

/** Details the user shared from their Zalo profile through Zalo's form. */
export type SharedInfo = Partial<Record<'phone' | 'name' | 'address', string>>;

/** A photo or file attached to a message: where to fetch it, as the sender named it. */
export interface ReceivedFile {
  /** its place among the message's attachments */
  index: number;
  type: 'image' | 'file';
  url: string;
  name?: string;
}

export type FlowInput = { kind: 'start' } | { kind: 'text'; text: string } | { kind: 'shared'; info: SharedInfo } | { kind: 'files'; files: ReceivedFile[] } | { kind: 'other' };

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
  /** an upload item the person may skip */
  optional?: boolean;
  /** an upload item the person may declare is not asked of them, with a reason */
  exemptible?: boolean;
  /** the step's next action (submit, later): a button under a long list too, one tap away */
  primary?: boolean;
  /** a shorter title for its button, when the label is longer than a button holds; a tap still answers with the label */
  button?: string;
}

/** What a choose step offers: a list to show, or a directory to search by name. */
export type ChoiceSource =
  /** `labelOf` names a value that is not (or no longer) in the list, e.g. an item just given. */
  | { kind: 'list'; items: ChoiceItem[]; labelOf?: (value: string) => string | undefined }
  | { kind: 'search'; search: (query: string, limit: number) => { items: ChoiceItem[]; total: number }; labelOf: (value: string) => string | undefined };

export interface Prefill {
  answers: Record<string, unknown>;
  /** Where the sub-flow opens (its summary), instead of its start. */
  stepId?: string;
}

/** Checks an answer with the validator a step names (see validators.ts). */
export type ValidateAnswer = (name: string, input: string, options: Record<string, unknown> | undefined, now: Date) => ValidationResult<unknown>;

export interface EngineContext {
  flows: ReadonlyMap<string, Flow>;
  translate: Translate;
  locale: Locale;
  validate: ValidateAnswer;
  /** Named lists the app provides (communes, product sets), already in the user's language. */
  choiceSource: (name: string, answers: Record<string, unknown>) => ChoiceSource;
  /** Facts the app knows about the person ("yes"/"no"), for branches. */
  fact: (name: string) => string;
  /** Answers the app fills in when a sub-flow starts (an existing profile). */
  prefill: (name: string) => Prefill | undefined;
  /** Image shown on Zalo's share-your-details form. */
  shareInfoImageUrl: string;
  now: Date;
}

/** Steps that wait for the person; the others run on their own. */
const inputKinds: ReadonlySet<string> = new Set(['ask', 'choose', 'confirm', 'upload']);
const maxButtons = 5;
const maxButtonTitle = 20;
/** Matches shown at once for a searched choice; more and the user is asked to type more. */
const maxMatches = 9;
const words = {
  back: ['quay lai', 'tro lai', 'back'],
  cancel: ['huy', 'cancel'],
  help: ['tro giup', 'giup', 'help'],
  skip: ['bo qua', 'skip'],
  exempt: ['khong phai cap', 'khong can cap', 'duoc mien', 'mien', 'not required', 'exempt'],
  yes: ['co', 'dong y', 'yes', 'ok', 'xac nhan', 'confirm'],
  no: ['khong', 'no'],
  done: ['xong', 'da xong', 'gui xong', 'het', 'done', 'next', 'tiep', 'tiep theo'],
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

function replyButtons(ctx: EngineContext, keys: readonly string[]): { title: string; action: { kind: 'reply'; payload: string } }[] {
  return keys.map((key) => {
    const title = ctx.translate(ctx.locale, key);
    return { title, action: { kind: 'reply' as const, payload: title } };
  });
}

function sourceOf(ctx: EngineContext, step: Extract<FlowStep, { kind: 'choose' }>, answers: Record<string, unknown>): ChoiceSource {
  if (step.choices) return { kind: 'list', items: step.choices.map((c) => ({ value: c.value, label: ctx.translate(ctx.locale, c.label), ...(c.primary ? { primary: true } : {}), ...(c.button ? { button: ctx.translate(ctx.locale, c.button) } : {}) })) };
  return ctx.choiceSource(step.source ?? '', answers);
}

function formatAnswer(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An answer as the summary shows it: a choice by its label in the user's language. */
function displayAnswer(ctx: EngineContext, flow: Flow, field: string, session: FlowSession): string | undefined {
  const value = formatAnswer(session.answers[field]);
  const step = flow.steps.find((s) => s.kind === 'choose' && s.field === field);
  if (value === undefined || step?.kind !== 'choose') return value;
  const source = sourceOf(ctx, step, session.answers);
  return (source.kind === 'list' ? source.items.find((c) => c.value === value)?.label : source.labelOf(value)) ?? value;
}

/** The question a step asks, as the user will see it. */
function prompt(ctx: EngineContext, step: FlowStep, session: FlowSession): OutgoingMessage[] {
  switch (step.kind) {
    case 'ask': {
      const question = ctx.translate(ctx.locale, step.prompt);
      const asked: OutgoingMessage = { kind: 'text', text: step.optional ? `${question}\n${ctx.translate(ctx.locale, 'flow.ask.optional')}` : question };
      if (!step.shareFromZalo) return [asked];
      // Zalo's form fills in what the user already gave Zalo, so one tap answers.
      return [
        asked,
        { kind: 'request_user_info', title: ctx.translate(ctx.locale, 'flow.share.title'), subtitle: ctx.translate(ctx.locale, 'flow.share.subtitle'), imageUrl: ctx.shareInfoImageUrl },
      ];
    }
    case 'choose': {
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
    }
    case 'confirm': {
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
    }
    case 'upload': {
      const item = uploadItem(ctx, step, session);
      const lines = [ctx.translate(ctx.locale, step.prompt, { item: item?.label ?? '' })];
      if (item?.optional) lines.push(ctx.translate(ctx.locale, 'flow.upload.optional'));
      if (item?.exemptible && step.exempt) lines.push(ctx.translate(ctx.locale, 'flow.upload.exemptible'));
      lines.push(ctx.translate(ctx.locale, 'flow.upload.howTo'));
      return [{ kind: 'text', text: lines.join('\n') }];
    }
    // Steps that ask nothing.
    case 'say':
    case 'branch':
    case 'action':
    case 'subflow':
    case 'end':
      return [];
    default:
      return unknownStepKind(step);
  }
}

/** The items an upload step walks through (still missing), less those the person skipped. */
function uploadList(ctx: EngineContext, step: Extract<FlowStep, { kind: 'upload' }>, answers: Record<string, unknown>): ChoiceItem[] {
  if (!step.source) return [];
  const source = ctx.choiceSource(step.source, answers);
  const skipped = Array.isArray(answers.$skipped) ? answers.$skipped : [];
  return source.kind === 'list' ? source.items.filter((i) => !skipped.includes(i.value)) : [];
}

/** The item the upload step is on, with its label. */
function uploadItem(ctx: EngineContext, step: Extract<FlowStep, { kind: 'upload' }>, session: FlowSession): ChoiceItem | undefined {
  const value = formatAnswer(session.answers[step.field]);
  if (value === undefined) return undefined;
  const listed = uploadList(ctx, step, session.answers).find((i) => i.value === value);
  if (listed) return listed;
  // The item is no longer listed (its first file has just arrived): named by its source, never by its code.
  const named = step.source ? ctx.choiceSource(step.source, session.answers).labelOf?.(value) : undefined;
  return { value, label: named ?? displayAnswer(ctx, flowOf(ctx, session.flowId), step.field, session) ?? value };
}

function asItems(messages: OutgoingMessage[]): TurnItem[] {
  return messages.map((message) => ({ type: 'message' as const, message }));
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
  const { matches: _shown, ...rest } = session;
  let current: FlowSession = { ...rest, stepId, attempts: 0 };
  for (let guard = 0; guard < 200; guard += 1) {
    const flow = flowOf(ctx, current.flowId);
    const step = stepOf(flow, current.stepId);
    switch (step.kind) {
      case 'say':
        items.push({ type: 'message', message: text(ctx, step.text) });
        current = { ...current, stepId: step.next };
        continue;
      case 'branch': {
        const value = step.fact !== undefined ? ctx.fact(step.fact) : formatAnswer(current.answers[step.field ?? '']);
        current = { ...current, stepId: step.cases.find((c) => c.equals === value)?.next ?? step.otherwise };
        continue;
      }
      case 'action':
        items.push({ type: 'effect', effect: { action: step.action, flowId: flow.id, answers: { ...current.answers } } });
        current = { ...current, stepId: step.next };
        continue;
      case 'subflow':
        current = enterSubflow(ctx, current, step.flow, step.next, step.prefill ? ctx.prefill(step.prefill) : undefined);
        continue;
      case 'end': {
        if (step.text) items.push({ type: 'message', message: text(ctx, step.text) });
        const parent = current.stack.at(-1);
        if (!parent) return null;
        current = { ...parent, attempts: 0, stack: current.stack.slice(0, -1) };
        continue;
      }
      case 'upload': {
        // Walking through missing items: stay on the current one until it is done, then
        // take the next; none left, go on.
        const list = uploadList(ctx, step, current.answers);
        const answers = { ...current.answers };
        if (step.source && !list.some((i) => i.value === answers[step.field])) {
          const next = list[0];
          if (!next) {
            delete answers[step.field];
            current = { ...current, answers, stepId: step.next };
            continue;
          }
          answers[step.field] = next.value;
        }
        // The next files sent replace the item's earlier ones; later ones add pages.
        if (step.replace && answers.$replacing === undefined) answers.$replacing = true;
        current = { ...current, answers };
        items.push(...asItems(prompt(ctx, step, current)));
        return current;
      }
      case 'choose': {
        // Nothing to choose between (a product group with one set): take it and go on.
        const source = sourceOf(ctx, step, current.answers);
        const only = source.kind === 'list' && source.items.length === 1 ? source.items[0] : undefined;
        if (only) {
          current = nextAfter(ctx, { ...current, answers: { ...current.answers, [step.field]: only.value } }, step);
          continue;
        }
        items.push(...asItems(prompt(ctx, step, current)));
        return current;
      }
      case 'ask':
      case 'confirm':
        items.push(...asItems(prompt(ctx, step, current)));
        return current;
      default:
        return unknownStepKind(step);
    }
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
    else if (step.kind === 'branch') id = step.cases.find((c) => c.equals === (step.fact !== undefined ? ctx.fact(step.fact) : formatAnswer(answers[step.field ?? ''])))?.next ?? step.otherwise;
    else if ((step.kind === 'ask' || step.kind === 'choose') && (answers[step.field] !== undefined || step.optional)) id = step.next;
    else return inputKinds.has(step.kind) ? id : until;
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

function accept(ctx: EngineContext, session: FlowSession, step: FlowStep & { field: string; next: string }, value: unknown, items: TurnItem[]): FlowTurn {
  return { items, session: afterAnswer(ctx, { ...session, answers: { ...session.answers, [step.field]: value } }, step, items) };
}

/** "bỏ qua" on an optional question: its field stays empty (an earlier answer goes). */
function skip(ctx: EngineContext, session: FlowSession, step: FlowStep & { field: string; next: string }, items: TurnItem[]): FlowTurn {
  const { [step.field]: _skipped, ...answers } = session.answers;
  return { items, session: afterAnswer(ctx, { ...session, answers }, step, items) };
}

/** A choice from a directory: search by the typed name, then pick from numbered matches. */
function searchTurn(ctx: EngineContext, session: FlowSession, step: Extract<FlowStep, { kind: 'choose' }>, source: Extract<ChoiceSource, { kind: 'search' }>, raw: string): FlowTurn {
  const items: TurnItem[] = [];
  const key = toMatchKey(raw);
  if (session.matches && /^\d{1,2}$/.test(key)) {
    const picked = session.matches[Number(key) - 1];
    if (picked !== undefined) return accept(ctx, session, step, picked, items);
  }
  if (raw === '') return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.ask.textNeeded'), items) };
  const found = source.search(raw, maxMatches);
  if (found.total === 0) return { items, session: reprompt(ctx, session, step, text(ctx, step.notFound ?? 'flow.search.none', { query: raw }), items) };
  if (found.total === 1 && found.items[0]) return accept(ctx, session, step, found.items[0].value, items);
  if (found.total > maxMatches) {
    items.push({ type: 'message', message: text(ctx, 'flow.search.tooMany', { count: String(found.total) }) });
    return { items, session: { ...session, matches: undefined } };
  }
  const list = found.items.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
  items.push({ type: 'message', message: { kind: 'text', text: `${ctx.translate(ctx.locale, 'flow.search.pick')}\n${list}` } });
  return { items, session: { ...session, matches: found.items.map((c) => c.value) } };
}

/** Files for the current item go to the step's action; "xong" moves on; "bỏ qua" skips an optional item. */
function uploadTurn(ctx: EngineContext, session: FlowSession, step: Extract<FlowStep, { kind: 'upload' }>, input: FlowInput, key: string): FlowTurn {
  const items: TurnItem[] = [];
  const item = uploadItem(ctx, step, session);
  if (input.kind === 'files' && item) {
    const { $replacing, ...answers } = session.answers;
    items.push({ type: 'effect', effect: { action: step.action, flowId: session.flowId, answers: { ...answers, $item: item.value, $files: input.files, $replace: $replacing === true } } });
    return { items, session: { ...session, answers: $replacing === true ? { ...answers, $replacing: false } : session.answers, attempts: 0 } };
  }
  const stillMissing = step.source !== undefined && item !== undefined && uploadList(ctx, step, session.answers).some((i) => i.value === item.value);
  const leave = (answers: Record<string, unknown>): FlowTurn => {
    const { [step.field]: _left, $replacing: _replaced, ...rest } = answers;
    return { items, session: advance(ctx, { ...session, answers: step.source ? { ...rest } : { ...rest, [step.field]: answers[step.field] } }, step.source ? step.id : step.next, items) };
  };
  if (matches(words.exempt, key) && stillMissing && item) {
    if (!item.exemptible || !step.exempt) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.upload.notExemptible'), items) };
    // Off the walk for now; the steps at `exempt` take the reason and record the declaration.
    const skipped = Array.isArray(session.answers.$skipped) ? session.answers.$skipped : [];
    const { [step.field]: _left, $replacing: _replaced, ...rest } = session.answers;
    return { items, session: advance(ctx, { ...session, answers: { ...rest, $skipped: [...skipped, item.value], $exemptItem: item.value } }, step.exempt, items) };
  }
  if (matches(words.done, key) || matches(words.skip, key)) {
    if (!stillMissing) return leave(session.answers);
    if (!item?.optional) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.upload.required'), items) };
    const skipped = Array.isArray(session.answers.$skipped) ? session.answers.$skipped : [];
    return leave({ ...session.answers, $skipped: [...skipped, item.value] });
  }
  return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.upload.sendFiles'), items) };
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

  switch (step.kind) {
    case 'ask': {
      const shared = input.kind === 'shared' && step.shareFromZalo ? input.info[step.shareFromZalo] : undefined;
      const answer = shared !== undefined ? toNfc(shared).trim() : raw;
      if (answer === '') return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.ask.textNeeded'), items) };
      if (step.optional && matches(words.skip, key)) return skip(ctx, session, step, items);
      const result = ctx.validate(step.validator.name, answer, step.validator.options, ctx.now);
      if (!result.ok) return { items, session: reprompt(ctx, session, step, text(ctx, result.hintKey, result.vars), items) };
      return accept(ctx, session, step, result.value, items);
    }
    case 'choose': {
      if (step.optional && matches(words.skip, key)) return skip(ctx, session, step, items);
      const source = sourceOf(ctx, step, session.answers);
      if (source.kind === 'search') return searchTurn(ctx, session, step, source, raw);
      const chosen = input.kind === 'text' ? chooseFrom(source.items, raw) : undefined;
      if (chosen === 'ambiguous') return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.choose.ambiguous'), items) };
      if (!chosen) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.choose.unknown'), items) };
      return accept(ctx, session, step, chosen.value, items);
    }
    case 'confirm': {
      const edit = /^(sua|edit)\s*(\d{1,2})$/.exec(key);
      if (edit) {
        const field = step.fields[Number(edit[2]) - 1];
        if (!field) return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.confirm.noSuchItem', { count: String(step.fields.length) }), items) };
        const asks = inputKinds.has(stepOf(flow, field.step).kind);
        const after = field.until ?? (asks ? field.step : undefined);
        const editing: FlowSession = { ...session, attempts: 0, returnTo: after === undefined ? { stepId: step.id } : { stepId: step.id, after } };
        return { items, session: advance(ctx, editing, field.step, items) };
      }
      if (matches(words.yes, key) || key === toMatchKey(ctx.translate(ctx.locale, 'flow.confirm.yes'))) {
        return { items, session: afterAnswer(ctx, session, step, items) };
      }
      return { items, session: reprompt(ctx, session, step, text(ctx, 'flow.confirm.unclear'), items) };
    }
    case 'upload':
      return uploadTurn(ctx, session, step, input, key);
    case 'say':
    case 'branch':
    case 'action':
    case 'subflow':
    case 'end':
      // A session never rests on a step that needs no answer; recover by moving on.
      return { items, session: advance(ctx, session, step.id, items) };
    default:
      return unknownStepKind(step);
  }
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
  let id = flow.start;
  for (let guard = 0; guard < 200; guard += 1) {
    const step = stepOf(flow, id);
    switch (step.kind) {
      case 'say':
        id = step.next;
        continue;
      case 'branch': {
        const value = step.fact !== undefined ? ctx.fact(step.fact) : formatAnswer(answers[step.field ?? '']);
        id = step.cases.find((c) => c.equals === value)?.next ?? step.otherwise;
        continue;
      }
      case 'ask':
      case 'choose':
        if (answers[step.field] === undefined) return id;
        id = step.next;
        continue;
      case 'confirm':
      case 'upload':
        return id;
      case 'action':
      case 'subflow':
      case 'end':
        return flow.start;
      default:
        return unknownStepKind(step);
    }
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
  const stepId = current && inputKinds.has(current.kind) ? current.id : firstOpenStep(ctx, flow, answers);
  return { session: { flowId: flow.id, flowVersion: flow.version, stepId, answers, attempts: 0, history: [], stack }, changed: true };
}

/** The prompt of the step the session is on, again (after a pause, a language change). */
export function repeatPrompt(ctx: EngineContext, session: FlowSession): TurnItem[] {
  return asItems(prompt(ctx, stepOf(flowOf(ctx, session.flowId), session.stepId), session));
}
