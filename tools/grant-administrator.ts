import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Database } from '../src/db/database.js';
import { runDatabaseCommand } from './run-database-command.js';

// `npm run admin:administrator -- --official 12` makes province official 12 the
// province's administrator (the console's operations pages: queue dashboard, failed
// messages, token state); `--revoke 12` takes it back; `--list` shows who has it. Run by
// an operator with access to the server's database, never through the API: the
// operations pages span every province a deployment serves.

const usage = [
  'usage: npm run admin:administrator -- --official <id>',
  '       npm run admin:administrator -- --revoke <id>',
  '       npm run admin:administrator -- --list',
].join('\n');

const officialId = z.string().regex(/^[1-9]\d{0,17}$/, 'an official is named by their id (GET /admin/v1/officials lists them)').transform(BigInt);

export class GrantAdministratorError extends Error {
  override name = 'GrantAdministratorError';
}

/** Runs the command against a database and returns what it prints. */
export async function runGrantAdministrator(db: Database, argv: string[]): Promise<string> {
  let values: { official?: string | undefined; revoke?: string | undefined; list?: boolean | undefined };
  try {
    values = parseArgs({ args: argv, options: { official: { type: 'string' }, revoke: { type: 'string' }, list: { type: 'boolean' } } }).values;
  } catch (error) {
    throw new GrantAdministratorError(error instanceof Error ? error.message : String(error));
  }
  if (values.list) {
    const admins = await db.official.findMany({ where: { administrator: true }, orderBy: { id: 'asc' } });
    if (admins.length === 0) return 'No official is an administrator.';
    return admins.map((o) => `${o.id}\t${o.name}\tprovince ${o.provinceCode}${o.deactivatedAt ? '\t(deactivated)' : ''}`).join('\n');
  }
  const given = values.official ?? values.revoke;
  if (given === undefined || (values.official !== undefined && values.revoke !== undefined)) throw new GrantAdministratorError('give one of --official, --revoke or --list');
  const parsed = officialId.safeParse(given);
  if (!parsed.success) throw new GrantAdministratorError(parsed.error.issues[0]?.message ?? 'invalid id');
  const official = await db.official.findUnique({ where: { id: parsed.data } });
  if (!official) throw new GrantAdministratorError(`No official has id ${given}.`);
  const grant = values.official !== undefined;
  // Only the province role is province-wide: a commune official or a secretary cannot be one.
  if (grant && official.role !== 'province') throw new GrantAdministratorError(`${official.name} (${given}) is a ${official.role} official; only a province official can be the administrator.`);
  await db.official.update({ where: { id: official.id }, data: { administrator: grant } });
  return grant
    ? `${official.name} (${given}, province ${official.provinceCode}) is an administrator: the console shows them Vận hành (operations) from their next page.`
    : `${official.name} (${given}) is no longer an administrator.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDatabaseCommand(async (db) => {
    try {
      console.log(await runGrantAdministrator(db, process.argv.slice(2)));
      return 0;
    } catch (error) {
      if (!(error instanceof GrantAdministratorError)) throw error;
      console.error(`${error.message}\n${usage}`);
      return 1;
    }
  });
}
