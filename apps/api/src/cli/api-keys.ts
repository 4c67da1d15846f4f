// Operator CLI for API keys: `pnpm --filter @batchreel/api api-keys <create|list|revoke> ...`, or
// `node apps/api/dist/api-keys.js …` once built (run `--help`).
// It reaches the database exactly as the server does (DATABASE_URL, else the embedded cluster
// under DATA_DIR, migrated first), so it works on a laptop running `pnpm start` and in production.
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Database } from '@batchreel/db';
import {
  API_KEY_NAME_MAX_LENGTH,
  type ApiKeyView,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from '../accounts/api-keys';
import { ConfigError, loadEnv } from '../env';
import { openDatabase } from '../platform/database';
import { isUuid } from '../platform/ids';
import { createLogger } from '../platform/logger';

/** Exit codes: success, a refusal (not found, ambiguous, already revoked), a bad invocation. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export const USAGE = `Usage: pnpm --filter @batchreel/api api-keys <command> [options]
       node apps/api/dist/api-keys.js <command> [options]   (once built)

Commands:
  create --account <id|name> --name <label>   create a key; prints its secret once
  list   --account <id|name>                  list an account's keys, newest first
  revoke <key id> [--account <id|name>]       revoke a key (optionally only if it is that account's)

Options:
  --json       machine-readable output
  -h, --help   show this help

Accounts are given by id or by exact name. Exit codes: 0 ok, 1 not found or refused, 2 usage.
Database: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset.`;

export type ApiKeysCommand =
  | { kind: 'create'; account: string; name: string; json: boolean }
  | { kind: 'list'; account: string; json: boolean }
  | { kind: 'revoke'; keyId: string; account: string | undefined; json: boolean };

/** What argv asks for: a command to run, the help text, or a usage error saying what is wrong. */
export type ParsedInvocation =
  | { ok: true; command: ApiKeysCommand }
  | { ok: true; help: true }
  | { ok: false; message: string };

/** Parses argv (without node and script); touches nothing, so usage errors need no database. */
export function parseApiKeysCommand(argv: string[]): ParsedInvocation {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, help: true };
  const [verb, ...rest] = positionals;
  const json = values.json ?? false;
  const account = values.account?.trim();
  switch (verb) {
    case 'create': {
      const name = values.name?.trim();
      if (!account) return { ok: false, message: 'create needs --account' };
      if (!name) return { ok: false, message: 'create needs --name' };
      if (name.length > API_KEY_NAME_MAX_LENGTH) {
        return {
          ok: false,
          message: `--name is longer than ${API_KEY_NAME_MAX_LENGTH} characters`,
        };
      }
      if (rest.length) return { ok: false, message: `unexpected argument: ${rest[0]}` };
      return { ok: true, command: { kind: 'create', account, name, json } };
    }
    case 'list':
      if (!account) return { ok: false, message: 'list needs --account' };
      if (values.name !== undefined) return { ok: false, message: 'list takes no --name' };
      if (rest.length) return { ok: false, message: `unexpected argument: ${rest[0]}` };
      return { ok: true, command: { kind: 'list', account, json } };
    case 'revoke': {
      const [keyId, extra] = rest;
      if (!keyId) return { ok: false, message: 'revoke needs a key id' };
      if (extra !== undefined) return { ok: false, message: `unexpected argument: ${extra}` };
      if (values.name !== undefined) return { ok: false, message: 'revoke takes no --name' };
      return { ok: true, command: { kind: 'revoke', keyId, account, json } };
    }
    case undefined:
      return { ok: false, message: 'missing command' };
    default:
      return { ok: false, message: `unknown command: ${verb}` };
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      account: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs a parsed command against `db` and returns the exit code; all output goes through `io`. */
export async function runApiKeysCommand(
  db: Database,
  command: ApiKeysCommand,
  io: CliOutput,
  actor = operatorActor(),
): Promise<number> {
  switch (command.kind) {
    case 'create': {
      const account = await findAccount(db, command.account, io);
      if (!account) return EXIT.refused;
      const created = await createApiKey(db, {
        accountId: account.id,
        name: command.name,
        createdBy: actor,
      });
      if (!created.ok) {
        io.err(`account not found: ${command.account}`);
        return EXIT.refused;
      }
      const { apiKey, secret } = created.value;
      if (command.json) {
        io.out(JSON.stringify({ ...apiKey, accountName: account.name, secret }));
      } else {
        io.out(`Created API key "${apiKey.name}" for ${account.name} (${account.id})`);
        io.out(`  key id: ${apiKey.id}`);
        io.out(`  prefix: ${apiKey.prefix}`);
        io.out(`  secret: ${secret}`);
        io.out('');
        io.out('Store the secret now: it cannot be shown again (only its hash is kept).');
      }
      return EXIT.ok;
    }
    case 'list': {
      const account = await findAccount(db, command.account, io);
      if (!account) return EXIT.refused;
      const keys = await listApiKeys(db, account.id);
      if (command.json) io.out(JSON.stringify(keys));
      else if (keys.length === 0) io.out(`${account.name} has no API keys.`);
      else io.out(formatTable(keys));
      return EXIT.ok;
    }
    case 'revoke': {
      let accountId: string | undefined;
      if (command.account !== undefined) {
        const account = await findAccount(db, command.account, io);
        if (!account) return EXIT.refused;
        accountId = account.id;
      }
      const revoked = await revokeApiKey(db, {
        keyId: command.keyId,
        accountId,
        revokedBy: actor,
      });
      if (!revoked.ok) {
        io.err(
          revoked.error.code === 'already_revoked'
            ? `API key ${command.keyId} is already revoked`
            : `API key not found: ${command.keyId}`,
        );
        return EXIT.refused;
      }
      if (command.json) io.out(JSON.stringify(revoked.value));
      else io.out(`Revoked API key ${revoked.value.prefix} (${revoked.value.id}).`);
      return EXIT.ok;
    }
  }
}

/** By id first, then by exact name; a name shared by several accounts is refused, not guessed. */
async function findAccount(db: Database, idOrName: string, io: CliOutput) {
  if (isUuid(idOrName)) {
    const byId = await db.account.findUnique({ where: { id: idOrName } });
    if (byId) return byId;
  }
  const byName = await db.account.findMany({ where: { name: idOrName }, take: 10 });
  const [only, ...others] = byName;
  if (only && others.length === 0) return only;
  if (only) {
    io.err(`several accounts are named "${idOrName}"; give one of their ids:`);
    for (const account of byName) io.err(`  ${account.id}`);
  } else {
    io.err(`account not found: ${idOrName}`);
  }
  return null;
}

function formatTable(keys: ApiKeyView[]): string {
  const header = ['KEY ID', 'PREFIX', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'];
  const rows = keys.map((k) => [
    k.id,
    k.prefix,
    k.name,
    formatDate(k.createdAt),
    formatDate(k.lastUsedAt),
    formatDate(k.revokedAt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function formatDate(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')}Z` : '-';
}

/** `cli:<os user>`: the audit log names the person at the terminal, not just "the CLI". */
function operatorActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // Containers may run as a uid without a passwd entry.
    return 'cli:unknown';
  }
}

async function main(argv: string[]): Promise<number> {
  const io: CliOutput = { out: (l) => console.log(l), err: (l) => console.error(l) };
  const parsed = parseApiKeysCommand(argv);
  if (!parsed.ok) {
    io.err(`error: ${parsed.message}\n`);
    io.err(USAGE);
    return EXIT.usage;
  }
  if ('help' in parsed) {
    io.out(USAGE);
    return EXIT.ok;
  }

  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }
  // Warnings only: the operator reads this output, and a secret must not scroll out of sight.
  const logger = createLogger({ LOG_LEVEL: 'warn' }, 'batchreel-cli');
  const database = await openDatabase(env, logger, 'batchreel-cli');
  try {
    return await runApiKeysCommand(database.db, parsed.command, io);
  } finally {
    await database.close();
  }
}

/** Runs the command line and sets the exit code (`dist/api-keys.js` calls it). */
export function run(argv: string[]) {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = EXIT.refused;
    },
  );
}

// Run only when executed as a script (`tsx src/cli/api-keys.ts`), so tests can import the parser
// and the runner.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2));
}
