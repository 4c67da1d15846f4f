/**
 * Offline Prisma Migrate diffs: Prisma schema text in, PostgreSQL DDL out.
 *
 * The native schema engine the Prisma CLI normally downloads is unavailable on machines that can
 * only reach the npm registry, so this drives the official wasm build of the same engine
 * (`@prisma/schema-engine-wasm`) directly. A schema-to-schema diff never reads a database, but the
 * engine's constructor insists on a driver adapter and asks it one metadata question; a tiny
 * in-memory adapter answers that, so no PostgreSQL server (and no network) is ever needed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils';
import type { DiffTarget, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';

/** One Prisma schema file: where it came from (used in error messages) and its text. */
export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * SQL that creates, from an empty database, everything `schema` declares (Prisma Migrate's own
 * diff).
 *
 * The output is the engine's script, unmodified: what `prisma migrate diff --from-empty
 * --to-schema <file> --script` prints, including this engine version's leading
 * `CREATE SCHEMA IF NOT EXISTS "public";`. Schema validation errors reject with the engine's
 * formatted diagnostics (error `code` `P1012`).
 */
export async function schemaToSql(schema: SchemaFile): Promise<string> {
  return runDiff(schema, { tag: 'empty' }, { tag: 'schemaDatamodel', files: [schema] });
}

/**
 * SQL that migrates a database described by `from` to `to` (both Prisma schema texts).
 *
 * When nothing changed the engine returns its placeholder comment
 * (`-- This is an empty migration.`).
 */
export async function diffSchemas(from: SchemaFile, to: SchemaFile): Promise<string> {
  return runDiff(
    to,
    { tag: 'schemaDatamodel', files: [from] },
    { tag: 'schemaDatamodel', files: [to] },
  );
}

async function runDiff(datasource: SchemaFile, from: DiffTarget, to: DiffTarget): Promise<string> {
  const bindings = await loadEngine();
  const adapter = bindMigrationAwareSqlAdapterFactory(offlinePostgresAdapterFactory());
  let engine: SchemaEngine | undefined;
  try {
    // The constructor's datamodel only tells the engine which connector (postgresql) to load;
    // the diff sources themselves are passed to `diff`.
    engine = await bindings.SchemaEngine.new(
      { datamodels: [[datasource.path, datasource.content]] },
      // Engine tracing output; nothing in it is needed for a diff.
      () => {},
      adapter,
    );
    const result = await engine.diff({
      from,
      to,
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  } catch (error) {
    throw unwrapAdapterError(error, adapter);
  } finally {
    // Frees the Rust-side engine (and its handle on the adapter) now instead of at GC time.
    engine?.free();
  }
}

// ---------------------------------------------------------------------------------------------
// Wasm instantiation
// ---------------------------------------------------------------------------------------------

/**
 * The slice of the WebAssembly JS API used here. The project compiles against lib ES2023 without
 * DOM, which is where TypeScript keeps the `WebAssembly` namespace, so it is typed locally.
 */
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

type EngineBindings = typeof engineBindings;

let engineReady: Promise<EngineBindings> | undefined;

/**
 * Instantiates the engine's wasm once per process.
 *
 * The package's own entry (`schema_engine.js`) imports `./schema_engine_bg.wasm` as an ES module,
 * which Node cannot load without `--experimental-wasm-modules`, so the wasm-bindgen glue
 * (`schema_engine_bg.js`) is wired by hand: it is both the import object of the wasm module and
 * the JS API over it. The glue keeps the instance in module-level state (and caches views of its
 * memory), so it must be bound exactly once; a second instantiation would corrupt live engines.
 */
function loadEngine(): Promise<EngineBindings> {
  engineReady ??= instantiateEngine().catch((error: unknown) => {
    // Only a failed load is retried; a bound instance is never replaced (see above).
    engineReady = undefined;
    throw error;
  });
  return engineReady;
}

async function instantiateEngine(): Promise<EngineBindings> {
  // The package exports no entry for the .wasm file, so locate it next to the glue module.
  const gluePath = createRequire(import.meta.url).resolve(
    '@prisma/schema-engine-wasm/schema_engine_bg',
  );
  const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
  const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: WasmApi };
  const { instance } = await wasmApi.instantiate(bytes, {
    // The module imports every `__wbg_*` shim from this specifier (see schema_engine.js).
    './schema_engine_bg.js': { ...engineBindings },
  });
  engineBindings.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start !== 'function') {
    throw new Error('@prisma/schema-engine-wasm: the wasm module exports no __wbindgen_start');
  }
  start();
  return engineBindings;
}

// ---------------------------------------------------------------------------------------------
// Offline driver adapter
// ---------------------------------------------------------------------------------------------

/**
 * The server the engine is told it talks to. It only shapes connector-level decisions, never the
 * DDL of a schema-to-schema diff; 18 matches the embedded PostgreSQL the project runs.
 */
const ASSUMED_SERVER = {
  version: 'PostgreSQL 18.4 (offline schema diff, no server)',
  versionNum: 180004,
} as const;

/**
 * A driver adapter with no database behind it.
 *
 * `SchemaEngine.new` connects once and runs a single probe,
 * `SELECT EXISTS(... pg_namespace ...), version(), current_setting('server_version_num')`;
 * answering that the default schema exists also keeps the engine from issuing `CREATE SCHEMA`.
 * Anything else means the engine wanted a real database (e.g. a diff against a URL or a
 * migrations directory), which is out of scope here, so it fails loudly instead of guessing.
 */
function offlinePostgresAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
  const adapterName = 'batchreel-offline-schema-diff';
  const unsupported = (what: string): Error =>
    new Error(
      `The offline schema diff has no database, but the Prisma schema engine tried to ${what}.`,
    );
  const connection: SqlDriverAdapter = {
    provider: 'postgres',
    adapterName,
    queryRaw: async (query: SqlQuery): Promise<SqlResultSet> => {
      if (query.sql.includes('server_version_num')) {
        return {
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, ASSUMED_SERVER.version, ASSUMED_SERVER.versionNum]],
        };
      }
      throw unsupported(`run the query: ${query.sql}`);
    },
    executeRaw: async (query: SqlQuery): Promise<number> => {
      throw unsupported(`run the statement: ${query.sql}`);
    },
    executeScript: async (): Promise<void> => {
      throw unsupported('run a SQL script');
    },
    startTransaction: async () => {
      throw unsupported('start a transaction');
    },
    getConnectionInfo: () => ({ schemaName: 'public', supportsRelationJoins: true }),
    dispose: async () => {},
  };
  return {
    provider: 'postgres',
    adapterName,
    connect: async () => connection,
    connectToShadowDb: async () => connection,
  };
}

/**
 * Errors thrown inside the adapter reach the caller only as `External error id#N`; the original
 * sits in the bound adapter's error registry, so put its message back.
 */
function unwrapAdapterError(
  error: unknown,
  adapter: ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
): unknown {
  if (!(error instanceof Error)) return error;
  const match = /External error id#(\d+)/.exec(error.message);
  if (!match?.[1]) return error;
  const recorded = adapter.errorRegistry.consumeError(Number(match[1]));
  if (recorded === undefined) return error;
  const original = recorded.error;
  return new Error(original instanceof Error ? original.message : String(original), {
    cause: original,
  });
}
