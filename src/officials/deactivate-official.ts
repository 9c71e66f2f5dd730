import type { Transaction } from '../db/database.js';

/** The province deactivates an official: sign-in refused and every session ended at once. */
export async function deactivateOfficial(tx: Transaction, input: { officialId: bigint; now: Date }): Promise<void> {
  await tx.official.update({ where: { id: input.officialId }, data: { deactivatedAt: input.now } });
  await tx.consoleSession.updateMany({ where: { officialId: input.officialId, endedAt: null }, data: { endedAt: input.now } });
}
