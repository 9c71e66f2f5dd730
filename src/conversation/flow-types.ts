import type { Locale, Translate } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import type { ValidationResult } from '../text/validators.js';
import type { Flow } from './flow-schema.js';

// What the flow engine works on and gives back: sessions, inputs, turns, and the context
// the app hands it. The engine and each step kind (steps/) share these.

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
