import type { Transaction } from '../db/database.js';
import type { Locale, Translate } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';

/** What a conversation action needs: it runs inside the turn's transaction. */
export interface ActionInput {
  tx: Transaction;
  userId: string;
  locale: Locale;
  translate: Translate;
  answers: Record<string, unknown>;
  now: Date;
  /** the Zalo message of the turn, when it was one */
  messageId: string | undefined;
}

/** A message for someone other than the person in the conversation (an official). */
export interface Notice {
  recipient: string;
  message: OutgoingMessage;
}

/** What an action says back, in place, whom else it tells, and which documents to fetch. */
export interface ActionOutcome {
  reply: OutgoingMessage[];
  notify: Notice[];
  /** documents recorded from the message, for the intake worker once the turn commits */
  intake?: bigint[];
}

/** A domain handler a flow's action step (or a router effect) names. */
export type ConversationAction = (input: ActionInput) => Promise<ActionOutcome>;

export function replyWith(...reply: OutgoingMessage[]): ActionOutcome {
  return { reply, notify: [] };
}

export function textOf(input: Pick<ActionInput, 'translate' | 'locale'>, key: string, vars?: Record<string, string>): OutgoingMessage {
  return { kind: 'text', text: input.translate(input.locale, key, vars) };
}
