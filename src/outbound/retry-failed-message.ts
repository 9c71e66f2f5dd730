import type { Transaction } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';

// An official puts a failed message back on the normal delivery path. Nothing is sent here:
// the row becomes pending again and the caller enqueues it once committed, so it goes out
// through deliver-outbound.ts like any other (per-recipient order, receipts, retries).

/** The row is not failed (any more): already retried, or it never failed. */
export class MessageNotFailedError extends DomainError {
  override name = 'MessageNotFailedError';
  readonly code = 'message.notFailed';
}

/** The row failed in doubt: it may have reached the person, and no one accepted a duplicate. */
export class MessageInDoubtError extends DomainError {
  override name = 'MessageInDoubtError';
  readonly code = 'message.inDoubt';
}

/**
 * Makes failed row `id` pending again, its attempts counted afresh, and returns its id to
 * enqueue after commit. A row that failed in doubt (an interrupted send that could not be
 * checked) is retried only with `acceptDuplicate`, since the person may already have it;
 * Zalo's refusals (-213, -230 …) never reached anyone and go again as they are.
 */
export async function retryFailedMessage(tx: Transaction, input: { id: bigint; acceptDuplicate: boolean }): Promise<bigint[]> {
  // Conditional on what was read: two officials retrying at once put it back once.
  const { count } = await tx.outboundMessage.updateMany({
    where: { id: input.id, status: 'failed', ...(input.acceptDuplicate ? {} : { inDoubt: false }) },
    data: { status: 'pending', attempts: 0, failedAt: null, inDoubt: false },
  });
  if (count === 1) return [input.id];
  const row = await tx.outboundMessage.findUnique({ where: { id: input.id }, select: { status: true, inDoubt: true } });
  if (row?.status === 'failed' && row.inDoubt) throw new MessageInDoubtError(`message ${input.id} may have reached its recipient`);
  throw new MessageNotFailedError(`message ${input.id} is not failed`);
}
