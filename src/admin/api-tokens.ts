import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import type { Caller } from '../operations/operation.js';
import { checkRegionScope, regionScopeSchema, type RegionScope } from '../officials/region-scope.js';

/** What a token answers for: the caller of every operation of the officials' API. */
export type ApiTokenScope = Caller;

// 32 random bytes in base64url are 43 characters; anything else is refused before a query.
const tokenPattern = /^ocop_[A-Za-z0-9_-]{43}$/;

// Writing lastUsedAt on every request would turn each read into a write.
const lastUsedResolutionMs = 60_000;

/** Another live (not revoked) token already has this name. */
export class ApiTokenNameTakenError extends Error {
  override name = 'ApiTokenNameTakenError';
  constructor(readonly tokenName: string) {
    super(`a live token is already named "${tokenName}"; choose another name or revoke that token first`);
  }
}

// The partial unique index of migration 20261204201614_unique_active_api_token_name. The
// driver adapter reports Postgres' message, which names the index whatever the locale.
const activeNameIndex = 'api_token_name_active_key';
const uniqueViolation = z.object({
  code: z.literal('P2002'),
  meta: z.object({ driverAdapterError: z.object({ cause: z.object({ originalMessage: z.string() }) }) }),
});

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Creates a token for a role and region (checked against the administrative units). The
 * token is returned once; only its SHA-256 is stored. Names are unique among live tokens
 * (`ApiTokenNameTakenError`), so the audit trail's `admin:<name>` names one live token.
 */
export async function createApiToken(
  db: Transaction,
  input: { name: string; role: string; provinceCode: string; communeCode?: string | null },
): Promise<{ id: bigint; token: string }> {
  const scope = await checkRegionScope(db, input);
  const token = `ocop_${randomBytes(32).toString('base64url')}`;
  // Two spellings of one visible name would defeat the index.
  const name = input.name.normalize('NFC').trim();
  try {
    const row = await db.apiToken.create({
      data: { name, role: scope.role, provinceCode: scope.provinceCode, communeCode: scope.communeCode, tokenHash: hashToken(token) },
      select: { id: true },
    });
    return { id: row.id, token };
  } catch (error) {
    const violation = uniqueViolation.safeParse(error);
    if (violation.success && violation.data.meta.driverAdapterError.cause.originalMessage.includes(activeNameIndex)) throw new ApiTokenNameTakenError(name);
    throw error;
  }
}

/** The scope of a live token, or null for an unknown or revoked one. */
export async function authenticateApiToken(db: Transaction, token: string, now: Date): Promise<ApiTokenScope | null> {
  if (!tokenPattern.test(token)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.revokedAt) return null;
  const region = regionScopeSchema.safeParse(row);
  if (!region.success) return null;
  const staleBefore = new Date(now.getTime() - lastUsedResolutionMs);
  if (!row.lastUsedAt || row.lastUsedAt < staleBefore) {
    // Conditional, so concurrent requests of one token write it once.
    await db.apiToken.updateMany({ where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] }, data: { lastUsedAt: now } });
  }
  return { ...region.data, tokenId: row.id, name: row.name };
}

/** Revokes a live token; false when no live token has this id. */
export async function revokeApiToken(db: Transaction, id: bigint, now: Date): Promise<boolean> {
  const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  return count === 1;
}
