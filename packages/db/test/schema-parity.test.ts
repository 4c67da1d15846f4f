import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../src/paths';
import { schemaToSql } from '../src/schema-engine/diff';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/**
 * What Prisma can describe of a database: enums, tables, columns, keys, foreign keys and plain
 * indexes. The hand-written guards (CHECK constraints, triggers, partial and non-btree indexes)
 * exist only in the migrations, by design, and are tested in guards.test.ts.
 */
const CATALOG_QUERIES = {
  enums: `
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'
     GROUP BY t.typname ORDER BY 1`,
  columns: `
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default,
           a.attidentity AS identity
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'
     ORDER BY 1, 2`,
  constraints: `
    SELECT c.relname AS table, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid) AS definition
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE k.contype IN ('p', 'u', 'f') AND c.relname <> '_prisma_migrations'
     ORDER BY 1, 2`,
  indexes: `
    SELECT i.tablename AS table, i.indexname AS name, i.indexdef AS definition
      FROM pg_indexes i
      JOIN pg_class ic ON ic.relname = i.indexname
      JOIN pg_index x ON x.indexrelid = ic.oid
      JOIN pg_am am ON am.oid = ic.relam
     WHERE i.schemaname = 'public' AND x.indpred IS NULL AND am.amname = 'btree'
       AND i.tablename <> '_prisma_migrations'
     ORDER BY 1, 2`,
} as const;

type Catalog = Record<keyof typeof CATALOG_QUERIES, unknown[]>;

async function readCatalog(connectionString: string): Promise<Catalog> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const catalog: Partial<Catalog> = {};
    for (const [key, sql] of Object.entries(CATALOG_QUERIES)) {
      catalog[key as keyof Catalog] = (await client.query(sql)).rows;
    }
    return catalog as Catalog;
  } finally {
    await client.end();
  }
}

describe('migrations and schema.prisma', () => {
  let migrated: TestDatabase;
  let fromSchema: TestDatabase;

  beforeAll(async () => {
    migrated = await createTestDatabase();
    // A second clone, emptied, then built only from what Prisma derives from schema.prisma.
    fromSchema = await createTestDatabase();
    const client = new pg.Client({ connectionString: fromSchema.connectionString });
    await client.connect();
    try {
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      const sql = await schemaToSql({
        path: SCHEMA_PATH,
        content: await readFile(SCHEMA_PATH, 'utf8'),
      });
      await client.query(sql);
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    await migrated?.drop();
    await fromSchema?.drop();
  });

  it('describe the same database', async () => {
    const [fromMigrations, fromPrisma] = await Promise.all([
      readCatalog(migrated.connectionString),
      readCatalog(fromSchema.connectionString),
    ]);
    // Sanity: the comparison looks at a real schema, not two empty ones.
    expect(fromPrisma.columns.length).toBeGreaterThan(100);
    expect(fromMigrations.enums).toEqual(fromPrisma.enums);
    expect(fromMigrations.columns).toEqual(fromPrisma.columns);
    expect(fromMigrations.constraints).toEqual(fromPrisma.constraints);
    expect(fromMigrations.indexes).toEqual(fromPrisma.indexes);
  });
});
