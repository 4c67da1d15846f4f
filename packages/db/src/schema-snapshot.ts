import type pg from 'pg';

/**
 * The whole schema the migrations build, as one readable, deterministic text: enums, tables with
 * their columns, every constraint (CHECKs included), every index, sequence, function and trigger
 * in `public`, with the definitions PostgreSQL itself prints. Checked in as
 * `packages/db/schema.snapshot.sql` so that the current money guards (the ledger's insert trigger,
 * say) can be read in one place instead of by replaying the migrations in one's head, and so that
 * a migration's effect shows up in review as a diff of that file.
 *
 * Objects that belong to an extension (pg_trgm's functions) and PostgreSQL 18's catalogued
 * NOT NULL constraints (already shown on their columns) are left out, so PostgreSQL 15 and 18
 * print the same text.
 */
export async function schemaSnapshot(client: pg.Client): Promise<string> {
  const rows = async <T>(sql: string) => (await client.query(sql)).rows as T[];
  const sections: string[] = [
    '-- The schema the migrations build (packages/db/prisma/migrations), as PostgreSQL prints it.',
    '-- Generated: pnpm --filter @batchreel/db schema:snapshot. Checked by test/schema-snapshot.test.ts.',
  ];

  const enums = await rows<{ name: string; labels: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'
     GROUP BY t.typname ORDER BY 1`);
  sections.push(
    '-- Enums',
    ...enums.map((e) => `CREATE TYPE ${e.name} AS ENUM (${e.labels.map(quote).join(', ')});`),
  );

  const columns = await rows<{
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`);
  sections.push('-- Tables');
  for (const [table, cols] of groupBy(columns, (c) => c.table)) {
    const lines = cols.map(
      (c) =>
        `  ${c.column} ${c.type}${c.not_null ? ' NOT NULL' : ''}${c.default === null ? '' : ` DEFAULT ${c.default}`}`,
    );
    sections.push(`CREATE TABLE ${table} (\n${lines.join(',\n')}\n);`);
  }

  const constraints = await rows<{ table: string; name: string; definition: string }>(`
    SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE k.contype <> 'n'
     ORDER BY 1, 2`);
  sections.push(
    '-- Constraints',
    ...constraints.map((k) => `ALTER TABLE ${k.table} ADD CONSTRAINT ${k.name} ${k.definition};`),
  );

  const indexes = await rows<{ definition: string }>(`
    SELECT i.indexdef AS definition
      FROM pg_indexes i
     WHERE i.schemaname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)
     ORDER BY i.tablename, i.indexname`);
  sections.push('-- Indexes', ...indexes.map((i) => `${i.definition};`));

  const sequences = await rows<{ name: string; owner: string | null }>(`
    SELECT s.relname AS name, (SELECT t.relname || '.' || a.attname
                                 FROM pg_depend d
                                 JOIN pg_class t ON t.oid = d.refobjid
                                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                                WHERE d.objid = s.oid AND d.deptype = 'a') AS owner
      FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace AND n.nspname = 'public'
     WHERE s.relkind = 'S' ORDER BY 1`);
  sections.push(
    '-- Sequences',
    ...sequences.map(
      (s) => `CREATE SEQUENCE ${s.name}${s.owner === null ? '' : ` OWNED BY ${s.owner}`};`,
    ),
  );

  const functions = await rows<{ definition: string }>(`
    SELECT pg_get_functiondef(p.oid) AS definition
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
     WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
     ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`);
  sections.push('-- Functions', ...functions.map((f) => `${f.definition.trim()};`));

  const triggers = await rows<{ definition: string; enabled: string }>(`
    SELECT pg_get_triggerdef(t.oid) AS definition, t.tgenabled AS enabled
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     WHERE NOT t.tgisinternal
     ORDER BY c.relname, t.tgname`);
  sections.push(
    '-- Triggers',
    ...triggers.map((t) => `${t.definition};${t.enabled === 'D' ? ' -- DISABLED' : ''}`),
  );

  const extensions = await rows<{ name: string }>(
    `SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  );
  sections.push('-- Extensions', ...extensions.map((e) => `CREATE EXTENSION ${e.name};`));

  return `${sections.join('\n\n')}\n`;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
