import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';

// The driver adapter the Prisma CLI uses with the WASM schema engine (`engine: "js"` in
// prisma.config.ts), so migrations run without Prisma's native engines, which cannot be
// downloaded here. The application keeps the stock PrismaPg.
//
// The stock adapter is written for the query engine and falls short in three places when
// the schema engine drives it; each fix below touches adapter internals, which is why
// prisma, @prisma/client and @prisma/adapter-pg are pinned to exact versions.

const TEXT_OID = 25;
// Catalog columns the schema engine reads while introspecting that the stock adapter
// refuses ("Column type 'name' could not be deserialized"). pg already hands their
// values over as strings, so reporting them as text is all the engine needs.
const CATALOG_TEXT_OIDS = new Set([
  18, // "char": pg_class.relkind, pg_constraint.contype, …
  19, // name: relname, nspname, attname, …
]);

interface PgResult {
  fields: { dataTypeID: number }[];
}
// A query without parameters goes over the simple protocol, where a script of several
// statements yields one result each (the engine applies migrations to the shadow
// database that way, through executeRaw).
type PerformIO = (query: unknown) => Promise<PgResult | PgResult[]>;

export class CliPrismaPg extends PrismaPg {
  readonly #connectionString: string;

  constructor(connectionString: string) {
    // The CLI never disposes the adapter it is given; idle connections that hold the
    // event loop open would keep it from exiting.
    super({ connectionString, allowExitOnIdle: true });
    this.#connectionString = connectionString;
  }

  override async connect() {
    const adapter = await super.connect();
    reportCatalogTypesAsText(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      reportCatalogTypesAsText(transaction);
      return transaction;
    };
    // The stock adapter splits a script on ";", which breaks `$$` bodies and runs each
    // statement in its own transaction. Sent as one simple query, Postgres runs the whole
    // migration in one implicit transaction, as the native engine does: a failing
    // migration leaves nothing behind.
    adapter.executeScript = async (script) => {
      try {
        await adapter.underlyingDriver().query(script);
      } catch (error) {
        adapter['onError'](error);
      }
    };
    return adapter;
  }

  // The stock version builds the shadow pool by overriding `database` next to a
  // connection string, which pg ignores (the string wins), and drops the database while
  // its pool is still connected. Here the shadow pool has its own URL and is closed before
  // the drop; FORCE covers any session the engine left behind.
  override async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadowUrl = new URL(this.#connectionString);
    shadowUrl.pathname = `/${database}`;
    const shadow = await new CliPrismaPg(shadowUrl.href).connect();
    const closeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadowPool();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.dispose();
    };
    return shadow;
  }
}

// Column types are decided in the adapter's private performIO, from the pg result's
// field OIDs; relabelling the catalog OIDs there is the narrowest place to intervene.
function reportCatalogTypesAsText(queryable: object): void {
  const stockPerformIO: unknown = Reflect.get(queryable, 'performIO');
  if (typeof stockPerformIO !== 'function') {
    throw new Error('@prisma/adapter-pg no longer has performIO: revisit prisma/cli/cli-prisma-pg.ts for this version.');
  }
  const performIO: PerformIO = stockPerformIO.bind(queryable);
  const relabelled: PerformIO = async (query) => {
    const result = await performIO(query);
    for (const { fields } of [result].flat()) {
      for (const field of fields) {
        if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
      }
    }
    return result;
  };
  Reflect.set(queryable, 'performIO', relabelled);
}
