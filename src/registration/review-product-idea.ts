import type { Transaction } from '../db/database.js';
import type { Producer, ProductIdea } from '../db/generated/client.js';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import { addToOutbox } from '../outbound/outbox.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { DomainError } from '../errors/domain-error.js';

export type ReviewedIdea = ProductIdea & { producer: Producer };

export class ProductIdeaNotFoundError extends DomainError {
  override name = 'ProductIdeaNotFoundError';
  readonly code = 'idea.notFound';
  constructor(readonly ideaId: bigint) {
    super(`product idea ${ideaId} does not exist`);
  }
}

/** Only a submitted idea is reviewed: a second review would tell the producer twice. */
export class ProductIdeaNotSubmittedError extends DomainError {
  override name = 'ProductIdeaNotSubmittedError';
  readonly code = 'idea.notSubmitted';
  constructor(
    readonly ideaId: bigint,
    readonly status: string,
  ) {
    super(`product idea ${ideaId} is ${status}; only a submitted idea can be reviewed`);
  }
}

interface ReviewInput {
  ideaId: bigint;
  /** the API token's name, kept on the idea as who reviewed it */
  reviewer: string;
  now: Date;
  translate: Translate;
}

type Decision = { status: 'accepted' } | { status: 'returned'; reason: string };

/** Accepts a submitted idea and tells the producer; returns the outbox ids to enqueue after commit. */
export function acceptProductIdea(tx: Transaction, input: ReviewInput): Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }> {
  return reviewProductIdea(tx, input, { status: 'accepted' });
}

/** Returns a submitted idea with the official's reason; the producer gets it with a button to revise. */
export function returnProductIdea(tx: Transaction, input: ReviewInput & { reason: string }): Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }> {
  return reviewProductIdea(tx, input, { status: 'returned', reason: input.reason });
}

async function reviewProductIdea(tx: Transaction, input: ReviewInput, decision: Decision): Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }> {
  // Conditional on the status, so of two concurrent reviews the second finds nothing to change.
  const { count } = await tx.productIdea.updateMany({
    where: { id: input.ideaId, status: 'submitted' },
    data: { status: decision.status, reviewReason: decision.status === 'returned' ? decision.reason : null, reviewedBy: input.reviewer, reviewedAt: input.now },
  });
  if (count === 0) {
    const current = await tx.productIdea.findUnique({ where: { id: input.ideaId }, select: { status: true } });
    if (!current) throw new ProductIdeaNotFoundError(input.ideaId);
    throw new ProductIdeaNotSubmittedError(input.ideaId, current.status);
  }
  const idea = await tx.productIdea.findUniqueOrThrow({ where: { id: input.ideaId }, include: { producer: true } });
  const user = await tx.zaloUser.findUnique({ where: { id: idea.producer.zaloUserId }, select: { locale: true } });
  const locale = user && isLocale(user.locale) ? user.locale : defaultLocale;
  const vars = { product: idea.productName, receipt: idea.receiptNumber };
  let message: OutgoingMessage;
  if (decision.status === 'accepted') {
    // The next step named is one not yet done: a producer who gave the plan in the chat is sent to the dossier.
    message = { kind: 'text', text: input.translate(locale, idea.businessPlan === null ? 'review.accepted' : 'review.acceptedWithPlan', vars) };
  } else {
    const revise = input.translate(locale, 'review.reviseButton');
    message = {
      kind: 'text',
      text: input.translate(locale, 'review.returned', { ...vars, reason: decision.reason }),
      buttons: [{ title: revise, action: { kind: 'reply', payload: revise } }],
    };
  }
  const outboxIds = await addToOutbox(tx, [{ idempotencyKey: `review:${idea.id}:${decision.status}:${input.now.getTime()}`, recipient: idea.producer.zaloUserId, message }], input.now);
  return { idea, outboxIds };
}
