import type { Database } from '../db/database.js';
import { tokenRowId } from './token-store.js';

// What an operator may know about the OA's token pair: when the access token expires, when
// it was last renewed, and whether a renewal failed since. Never the tokens themselves: the
// query selects only these columns.

export interface ZaloTokenState {
  /** null when the expiry is unknown (a pair seeded from the environment, never refreshed yet) */
  accessExpiresAt: Date | null;
  refreshedAt: Date | null;
  refreshFailedAt: Date | null;
  /** why that refresh failed, as our OAuth client words it */
  refreshError: string | null;
  /** how many pairs the row has held */
  version: number;
}

/** The token pair's state; null when no pair was ever stored. */
export function readZaloTokenState(db: Database): Promise<ZaloTokenState | null> {
  return db.zaloToken.findUnique({
    where: { id: tokenRowId },
    select: { accessExpiresAt: true, refreshedAt: true, refreshFailedAt: true, refreshError: true, version: true },
  });
}
