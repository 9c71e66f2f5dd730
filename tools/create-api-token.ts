import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ApiTokenNameTakenError, createApiToken, revokeApiToken } from '../src/admin/api-tokens.js';
import type { Transaction } from '../src/db/database.js';
import { RegionScopeError } from '../src/officials/region-scope.js';
import { runDatabaseCommand } from './run-database-command.js';

// `npm run admin:token -- --name "UBND xã Tân Phú" --role commune --province 75 --commune 26116`
// creates a token for the admin API; `npm run admin:token -- --revoke <id>` revokes one.

const usage = [
  'usage: npm run admin:token -- --name <name> --role province|commune|secretary --province <2 digits> [--commune <5 digits>]',
  '       npm run admin:token -- --revoke <id>',
].join('\n');

const createArgs = z.object({
  name: z
    .string({ error: '--name is required' })
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(1, '--name is required').max(200, '--name is at most 200 characters')),
  role: z.enum(['province', 'commune', 'secretary'], { error: '--role is province, commune or secretary' }),
  province: z.string({ error: '--province is required' }),
  commune: z.string().optional(),
});
const revokeArgs = z.string().regex(/^[1-9]\d{0,17}$/, '--revoke takes a token id');

class UsageError extends Error {
  override name = 'UsageError';
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { name: { type: 'string' }, role: { type: 'string' }, province: { type: 'string' }, commune: { type: 'string' }, revoke: { type: 'string' } } }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs the command against a database and returns what it prints. */
export async function runCreateApiToken(db: Transaction, argv: string[], now: Date): Promise<string> {
  const values = parseCommandLine(argv);

  if (values.revoke !== undefined) {
    const id = revokeArgs.safeParse(values.revoke);
    if (!id.success) throw new UsageError(id.error.issues[0]?.message ?? 'invalid --revoke');
    const revoked = await revokeApiToken(db, BigInt(id.data), now);
    return revoked ? `Token ${id.data} revoked.` : `No active token has id ${id.data}; nothing changed.`;
  }

  const args = createArgs.safeParse(values);
  if (!args.success) throw new UsageError(args.error.issues.map((issue) => issue.message).join('; '));
  const { id, token } = await createApiToken(db, { name: args.data.name, role: args.data.role, provinceCode: args.data.province, communeCode: args.data.commune ?? null });
  const region = args.data.role === 'commune' ? `commune ${args.data.commune}, province ${args.data.province}` : `province ${args.data.province}`;
  return [
    `Token ${id} for "${args.data.name}" (${args.data.role}, ${region}):`,
    '',
    `  ${token}`,
    '',
    'Store it now: it cannot be shown again (only its SHA-256 is kept).',
    `Send it as "Authorization: Bearer <token>"; revoke it with: npm run admin:token -- --revoke ${id}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDatabaseCommand(async (db, now) => {
    try {
      console.log(await runCreateApiToken(db, process.argv.slice(2), now));
      return 0;
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof RegionScopeError || error instanceof ApiTokenNameTakenError)) throw error;
      console.error(error instanceof UsageError ? `${error.message}\n${usage}` : error.message);
      return 1;
    }
  });
}
