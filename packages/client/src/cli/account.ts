import type { CommandContext } from './context';
import { EXIT, type ExitCode } from './exit-codes';
import { credits, json, n, table, truncate } from './output';

/** `batchreel balance`. */
export async function balance(ctx: CommandContext, options: { json?: boolean }): Promise<ExitCode> {
  const account = await ctx.client().balance();
  if (options.json) {
    ctx.io.out(json(account));
    return EXIT.ok;
  }
  const c = ctx.io.color;
  ctx.io.out(
    `${account.account_name}: ${c.bold(credits(account.available_credits))} available (balance ${n(account.balance)}, reserved ${n(account.reserved_credits)})`,
  );
  return EXIT.ok;
}

/** `batchreel ledger`: the account's statement, newest first. */
export interface LedgerOptions {
  limit: number;
  cursor?: string;
  json?: boolean;
}

export async function ledger(ctx: CommandContext, options: LedgerOptions): Promise<ExitCode> {
  const page = await ctx.client().ledger({
    limit: options.limit,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  if (options.json) {
    ctx.io.out(json(page));
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    ctx.io.out('No ledger entries.');
    return EXIT.ok;
  }
  const c = ctx.io.color;
  const rows = page.data.map((entry) => [
    entry.id,
    entry.created_at,
    entry.ref_type,
    entry.credits_delta > 0 ? c.green(`+${n(entry.credits_delta)}`) : c.red(n(entry.credits_delta)),
    n(entry.balance_after),
    entry.ref_id,
    truncate(entry.memo ?? '', 40),
  ]);
  for (const line of table(
    ['id', 'created', 'type', 'credits', 'balance', 'reference', 'memo'],
    rows,
  )) {
    ctx.io.out(line);
  }
  if (page.has_more && page.next_cursor) {
    ctx.io.out(`More: batchreel ledger --limit ${options.limit} --cursor ${page.next_cursor}`);
  }
  return EXIT.ok;
}
