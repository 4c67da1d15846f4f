import { writeFile } from 'node:fs/promises';
import type { CommandContext } from './context';
import { userPath } from './env';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { json, n, table } from './output';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `batchreel budgets`: every cap of the account with this month's use. */
export async function budgets(
  ctx: CommandContext,
  options: { month?: string; json?: boolean },
): Promise<ExitCode> {
  if (options.month && !MONTH.test(options.month)) {
    throw new CliError(`--month must be YYYY-MM, e.g. 2026-11 (got ${options.month}).`, EXIT.usage);
  }
  const list = await ctx.client().budgets(options.month ? { month: options.month } : {});
  if (options.json) {
    ctx.io.out(json(list));
    return EXIT.ok;
  }
  ctx.io.out(`Budgets for ${list.period} (${list.time_zone})`);
  if (list.data.length === 0) {
    ctx.io.out('No budgets: nothing caps this account’s spending but its balance.');
    return EXIT.ok;
  }
  const c = ctx.io.color;
  const rows = list.data.map((b) => {
    const target =
      b.scope === 'account'
        ? 'account'
        : b.scope === 'project'
          ? `project ${b.project_id?.slice(0, 8)}`
          : `key ${b.api_key_id?.slice(0, 8)}`;
    const percent = `${b.percent_used}%`;
    return [
      target,
      b.model ?? 'all models',
      b.enforcement,
      n(b.cap_credits),
      n(b.used_credits),
      n(b.remaining_credits),
      b.percent_used >= 100 ? c.red(percent) : b.percent_used >= 80 ? c.yellow(percent) : percent,
      b.threshold_percents
        .map((t) => (b.fired_thresholds.includes(t) ? `${t}!` : `${t}`))
        .join(' '),
    ];
  });
  for (const line of table(
    ['budget', 'model', 'cap type', 'cap', 'used', 'left', 'used %', 'alerts at % (! fired)'],
    rows,
  )) {
    ctx.io.out(line);
  }
  return EXIT.ok;
}

export interface StatementOptions {
  format: 'json' | 'csv' | 'pdf';
  lang?: 'en' | 'zh-CN';
  out?: string;
}

/**
 * `batchreel statement 2026-11`: the month's figures, or the signed statement written to a file
 * (`--out`; JSON with its signature inside, CSV or PDF with the signature beside it in
 * `<file>.sig`, base64, as the API sent it).
 */
export async function statement(
  ctx: CommandContext,
  month: string,
  options: StatementOptions,
): Promise<ExitCode> {
  if (!MONTH.test(month)) {
    throw new CliError(`The month must be YYYY-MM, e.g. 2026-11 (got ${month}).`, EXIT.usage);
  }
  const client = ctx.client();
  if (options.format !== 'json') {
    if (!options.out || options.out === '-') {
      throw new CliError(`--format ${options.format} needs --out <file>.`, EXIT.usage);
    }
    const file = await client.statementFile(
      month,
      options.format,
      options.lang ? { lang: options.lang } : {},
    );
    const path = userPath(ctx.env, options.out);
    await writeFile(path, file.bytes);
    await writeFile(`${path}.sig`, `${file.signature}\n`);
    ctx.io.out(
      `Wrote ${path} (${n(file.bytes.length)} bytes) and its signature ${path}.sig (key ${file.keyId}).`,
    );
    return EXIT.ok;
  }
  const s = await client.statement(month);
  if (options.out && options.out !== '-') {
    const path = userPath(ctx.env, options.out);
    await writeFile(path, `${JSON.stringify(s, null, 2)}\n`);
    ctx.io.out(
      `Wrote ${path}; check it offline with: pnpm ledger:verify --statement ${options.out} --public-key <pem>`,
    );
    return EXIT.ok;
  }
  if (options.out === '-') {
    ctx.io.out(json(s));
    return EXIT.ok;
  }
  const c = ctx.io.color;
  ctx.io.out(
    `${c.bold(`Statement ${s.month}`)} · ${s.account_name} · ${s.time_zone} · ${s.final ? 'final' : 'provisional (the month is not closed)'}`,
  );
  const lines: [string, number][] = [
    ['Opening balance', s.opening_balance],
    ['Top-ups', s.totals.topup_credits],
    ['Upfront charges', s.totals.upfront_credits],
    ['Refunds', s.totals.refunded_credits],
    ['Adjustments added', s.totals.adjustment_added_credits],
    ['Adjustments removed', s.totals.adjustment_removed_credits],
    ['Closing balance', s.closing_balance],
  ];
  for (const line of table(
    ['', 'credits'],
    lines.map(([label, value]) => [label, n(value)]),
  )) {
    ctx.io.out(line);
  }
  ctx.io.out(`${n(s.batches.length)} batches, ${n(s.counts.ledger_rows)} ledger rows.`);
  if (s.chain_head) {
    ctx.io.out(`Chain head: ledger row ${s.chain_head.ledger_row_id}, ${s.chain_head.row_hash}`);
  }
  ctx.io.out(`Signed by key ${s.signature.key_id}.`);
  return EXIT.ok;
}
