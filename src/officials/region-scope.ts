import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import { Prisma } from '../db/generated/client.js';
import { DomainError } from '../errors/domain-error.js';

// The region an official or an API token answers for: a whole province, or one commune.
// A council secretary's token answers for the meetings of a province.

export const regionScopeSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('province'),
    provinceCode: z.string().regex(/^\d{2}$/, 'a province code has 2 digits'),
    communeCode: z
      .null({ error: 'a province role has no commune code' })
      .optional()
      .transform(() => null),
  }),
  z.object({
    role: z.literal('secretary'),
    provinceCode: z.string().regex(/^\d{2}$/, 'a province code has 2 digits'),
    communeCode: z
      .null({ error: 'a secretary role has no commune code' })
      .optional()
      .transform(() => null),
  }),
  z.object({
    role: z.literal('commune'),
    provinceCode: z.string().regex(/^\d{2}$/, 'a province code has 2 digits'),
    communeCode: z.string({ error: 'a commune role needs a commune code' }).regex(/^\d{5}$/, 'a commune code has 5 digits'),
  }),
]);

export type RegionScope = z.output<typeof regionScopeSchema>;

export class RegionScopeError extends DomainError {
  override name = 'RegionScopeError';
  readonly code = 'region.invalid';
}

/** Parses a role and region and checks them against the list of administrative units. */
export async function checkRegionScope(tx: Transaction, input: { role: string; provinceCode: string; communeCode?: string | null | undefined }): Promise<RegionScope> {
  const parsed = regionScopeSchema.safeParse(input);
  if (!parsed.success) throw new RegionScopeError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const scope = parsed.data;
  if (scope.role === 'commune') {
    const unit = await tx.administrativeUnit.findUnique({ where: { communeCode: scope.communeCode }, select: { provinceCode: true } });
    if (!unit) throw new RegionScopeError(`commune ${scope.communeCode} is not in the list of administrative units`);
    if (unit.provinceCode !== scope.provinceCode) throw new RegionScopeError(`commune ${scope.communeCode} is not in province ${scope.provinceCode}`);
  } else {
    const unit = await tx.administrativeUnit.findFirst({ where: { provinceCode: scope.provinceCode }, select: { communeCode: true } });
    if (!unit) throw new RegionScopeError(`province ${scope.provinceCode} has no commune in the list of administrative units`);
  }
  return scope;
}

/** The product ideas a scope answers for: its commune's, or its province's. */
export function ideaRegion(scope: { role: string; provinceCode: string; communeCode: string | null }): { communeCode: string } | { provinceCode: string } {
  return scope.role === 'commune' ? { communeCode: scope.communeCode ?? '' } : { provinceCode: scope.provinceCode };
}

/** The same region as `ideaRegion`, for an aggregate written in SQL over `product_idea` named `alias`. */
export function ideaRegionSql(scope: { role: string; provinceCode: string; communeCode: string | null }, alias: string): Prisma.Sql {
  // The alias is the caller's constant; checked all the same, since it is written into the SQL as is.
  if (!/^[a-z_]+$/.test(alias)) throw new Error(`not a table alias: ${alias}`);
  const region = ideaRegion(scope);
  const table = Prisma.raw(alias);
  return 'communeCode' in region ? Prisma.sql`${table}.commune_code = ${region.communeCode}` : Prisma.sql`${table}.province_code = ${region.provinceCode}`;
}

/** Who accepts or returns ideas and checks dossiers: the commune and the province, not a council secretary. */
export function mayDecide(role: string): boolean {
  return role === 'commune' || role === 'province';
}

/**
 * The province's administrator: a province official an operator made one. The operations
 * pages reach beyond one province (a deployment's queues and its OA token serve every
 * province it carries), so the province role alone is not enough.
 */
export function mayOperate(official: { role: string; administrator: boolean }): boolean {
  return official.role === 'province' && official.administrator;
}

/**
 * An official's region as a scope, the shape the notification and deadline rules take: the
 * same region their API token would have. A commune official without a commune is a broken
 * row, and throws.
 */
export function officialScope(official: { role: string; provinceCode: string; communeCode: string | null }): RegionScope {
  return regionScopeSchema.parse({ role: official.role, provinceCode: official.provinceCode, communeCode: official.communeCode });
}
