import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type Database = PrismaClient;
/** The client handed to a function that runs inside a transaction. */
export type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function createDatabase(options: { databaseUrl: string; poolSize: number }): Database {
  const adapter = new PrismaPg({ connectionString: options.databaseUrl, max: options.poolSize });
  return new PrismaClient({ adapter });
}
