/**
 * Prints the PostgreSQL DDL Prisma Migrate would generate for a Prisma schema, computed offline.
 *
 *   tsx src/cli/schema-sql.ts [--from old.prisma] [schema path]
 *
 * Without `--from` the SQL creates everything from an empty database; with it, the SQL migrates
 * a database built from `old.prisma` to the schema. The schema path defaults to this package's
 * prisma/schema.prisma. Typical use, to draft the next migration:
 *
 *   pnpm --filter @batchreel/db schema:sql -- \
 *     --from <(git show HEAD:packages/db/prisma/schema.prisma)
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEMA_PATH } from '../paths';
import { diffSchemas, type SchemaFile, schemaToSql } from '../schema-engine/diff';

const USAGE = 'usage: schema-sql [--from <old schema.prisma>] [<schema.prisma>]';

async function main(argv: string[]): Promise<void> {
  // Some pnpm versions forward the `--` that separates script arguments; parseArgs would treat
  // it as the end of options and read `--from` as a path.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values, positionals } = parseCliArgs(args);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length > 1) {
    throw new Error(`expected at most one schema path, got ${positionals.length}\n${USAGE}`);
  }

  const to = await readSchema(positionals[0] ?? SCHEMA_PATH);
  const sql =
    values.from === undefined
      ? await schemaToSql(to)
      : await diffSchemas(await readSchema(values.from), to);
  process.stdout.write(sql);
}

function parseCliArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n${USAGE}`, { cause: error });
  }
}

async function readSchema(path: string): Promise<SchemaFile> {
  const absolute = resolve(path);
  try {
    return { path: absolute, content: await readFile(absolute, 'utf8') };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read Prisma schema ${absolute} (${reason})`, { cause: error });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Engine errors carry their own formatted diagnostics; a stack trace would only bury them.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`schema-sql: ${message}\n`);
  process.exitCode = 1;
});
