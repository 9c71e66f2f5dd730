import type { RawTransaction } from '../db/raw-transaction.js';

// Messages Zalo refused because the person was outside its window wait as `held`. The
// person writing to the OA reopens the window: in that turn's transaction they become
// pending again, and since they keep their ids they go before the turn's own replies.

/** Puts `recipient`'s held messages back on the delivery path; returns their ids, oldest first, to enqueue after commit. */
export async function releaseHeldMessages(tx: RawTransaction, recipient: string): Promise<bigint[]> {
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    UPDATE outbound_message SET status = 'pending', attempts = 0, last_error = NULL, error_code = NULL, held_at = NULL
    WHERE recipient = ${recipient} AND status = 'held'
    RETURNING id`;
  return rows.map((row) => row.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
