// `pnpm ledger:verify`: recomputes every account's ledger hash chain and checks every docs/product.md §5
// invariant over the whole database, for finance and auditors, without an engineer.
// Exit code 0: no violations; 1: violations (listed); 2: usage or configuration error.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Database } from '@batchreel/db';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigError, loadEnv } from '../env';
import {
  monthlyArithmetic,
  type SignedMonthlyStatement,
  verifyMonthlyStatement,
} from '../finance/monthly-statement';
import { checkIntegrity, type IntegrityCheckKey, type IntegrityReport } from '../ledger/integrity';
import {
  keyId,
  type SignedStatement,
  STATEMENT_TOTALS,
  statementArithmetic,
  verifyStatement,
} from '../ledger/statement';
import { openDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

const USAGE = `Usage: pnpm ledger:verify [--json]
       pnpm ledger:verify --statement <statement.json> --public-key <key.pem>
       pnpm ledger:verify --csv <statement.csv> --signature <base64> --public-key <key.pem>

With --statement or --csv, checks a settlement statement offline (no database): its Ed25519
signature against the public key (Admin → export, /admin/export/statement-public-key.pem) and that
its totals add up (positive amounts; the rows' credits_delta signed as in the ledger). A monthly
statement (JSON, from GET /api/enterprise/statements/{month} or the admin) is checked the same
way: its signature, and opening + movements = closing, the batches and entries summing to the
totals, the chain head carrying the closing balance.

Checks the database named by DATABASE_URL (or the embedded one under DATA_DIR):
  - every ledger row's hash and its link to the previous row of its account (tamper evidence),
  - balances: each row's balance_after, the account balance = Σ credits_delta, never negative,
  - per batch: one upfront of -required_credits, one refund per failed or canceled task and none
    for a succeeded one, settled ⇒ frozen = spent + refunded, counts and statuses,
  - no reservation left on a batch that is not waiting.
Exit code 0 when all hold, 1 with a report of each violation, 2 on a usage or configuration error.`;

/** What each family of checks covers, for a count of its records. */
const CHECK_LINES: Record<IntegrityCheckKey, (n: number) => string> = {
  chains: (n) =>
    `${n} ledger row${n === 1 ? '' : 's'} hash-chained, each to the previous row of its account`,
  balances: (n) => `${n} account balance${n === 1 ? '' : 's'} = Σ ledger, never below 0`,
  upfronts: (n) =>
    `${n} batch${n === 1 ? '' : 'es'} taken from the queue: one upfront of -required credits each (none if canceled before it ran)`,
  refunds: (n) =>
    `${n} refund${n === 1 ? '' : 's'}: one per failed or canceled task, at its price, none for a succeeded task`,
  settlements: (n) =>
    `${n} settled batch${n === 1 ? '' : 'es'}: frozen = spent + refunded, counts and status agree`,
  reservations: (n) => `${n} waiting batch${n === 1 ? '' : 'es'}: no frozen credits held`,
};

/** The readable report: totals, what was checked, then each violation with what it names. */
export function formatReport(report: IntegrityReport): string {
  const lines = [
    `Checked ${report.accounts} accounts, ${report.ledgerRows} ledger rows and ${report.batches} started batches at ${report.checkedAt.toISOString()}.`,
    ...report.checks.map(
      (check) =>
        `  ${check.violations === 0 ? 'ok' : `${check.violations} violation(s)`}  ${CHECK_LINES[check.key](check.checked)}`,
    ),
  ];
  if (report.violations.length === 0) {
    lines.push('OK: every hash chain and every money invariant holds (0 violations).');
    return lines.join('\n');
  }
  lines.push(`FAILED: ${report.violations.length} violation(s).`, '');
  for (const v of report.violations) {
    const refs = [
      v.ledgerRowId ? `ledger row ${v.ledgerRowId}` : null,
      v.batchId ? `batch ${v.batchId}` : null,
      v.taskId ? `task ${v.taskId}` : null,
      v.accountId ? `account ${v.accountId}` : null,
    ].filter(Boolean);
    lines.push(`- ${v.code}: ${v.message}`, `    ${refs.join(', ')}`);
  }
  return lines.join('\n');
}

/** Runs the check and prints; returns the exit code. */
export async function verifyLedger(
  db: Database,
  options: { json: boolean; out: (text: string) => void },
): Promise<number> {
  const report = await checkIntegrity(db);
  options.out(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.violations.length === 0 ? 0 : 1;
}

/**
 * Checks an exported statement without any database: the signature, and that the figures add
 * up (`statementArithmetic`: totals = Σ rows, net = upfront − refunds, upfront = spent +
 * refunded + still frozen, totals positive). Returns the exit code.
 */
export async function verifyStatementFile(
  options: { statement?: string; csv?: string; signature?: string; publicKey: string },
  out: (text: string) => void,
): Promise<number> {
  const publicKey = createPublicKey(await readFile(options.publicKey, 'utf8'));
  if (options.csv) {
    const bytes = await readFile(options.csv);
    const signature = (options.signature ?? '').replace(/^ed25519=/, '');
    if (!verify(null, bytes, publicKey, Buffer.from(signature, 'base64'))) {
      out(
        `FAILED: the signature does not match ${options.csv} (changed, or signed by another key).`,
      );
      return 1;
    }
    const { rows, totals, layout } = readCsvStatement(bytes);
    const signedBy = `OK: ${options.csv} is signed by key ${keyId(publicKey)} and unchanged.`;
    if (layout === 'signed-totals') {
      // Issued before totals had their own column: authentic, but its totals were signed numbers.
      out(`${signedBy}\n  (an older layout whose totals are not checked: download it again)`);
      return 0;
    }
    const problems = statementArithmetic(rows, totals);
    if (problems.length > 0) {
      out(`FAILED: ${options.csv} is signed, but ${problems.join('; ')}.`);
      return 1;
    }
    out([signedBy, totalsLine(totals, rows)].join('\n'));
    return 0;
  }
  const document = JSON.parse(await readFile(options.statement ?? '', 'utf8'));
  if (document?.statement_type === 'monthly') return verifyMonthlyFile(document, publicKey, out);
  const signed = document as SignedStatement;
  const problems: string[] = [];
  if (!verifyStatement(signed, publicKey))
    problems.push(
      'the signature does not match (the statement was changed, or signed by another key)',
    );
  problems.push(...statementArithmetic(signed.rows, signed.totals));
  if (problems.length > 0) {
    out(`FAILED: ${problems.join('; ')}.`);
    return 1;
  }
  out(
    [
      `OK: statement of batch ${signed.batch_id} (${signed.account_name}) is signed by key ${signed.signature.key_id} and unchanged.`,
      totalsLine(signed.totals, signed.rows),
      `  ledger chain head at issue: row ${signed.chain_head.ledger_row_id}, ${signed.chain_head.row_hash}`,
    ].join('\n'),
  );
  return 0;
}

/** A monthly statement (docs/finance-controls.md): its signature and its arithmetic. */
function verifyMonthlyFile(
  document: SignedMonthlyStatement,
  publicKey: KeyObject,
  out: (text: string) => void,
): number {
  const problems: string[] = [];
  if (!verifyMonthlyStatement(document as unknown as Record<string, unknown>, publicKey))
    problems.push(
      'the signature does not match (the statement was changed, or signed by another key)',
    );
  problems.push(...monthlyArithmetic(document));
  if (problems.length > 0) {
    out(`FAILED: ${problems.join('; ')}.`);
    return 1;
  }
  const t = document.totals;
  out(
    [
      `OK: statement of ${document.month} (${document.time_zone}) for ${document.account_name} is signed by key ${document.signature.key_id} and unchanged${document.final ? '' : ' (provisional: the month was not closed)'}.`,
      `  opening ${document.opening_balance} + top-ups ${t.topup_credits} − upfront ${t.upfront_credits} + refunds ${t.refunded_credits} + adjustments ${t.adjustment_added_credits} − ${t.adjustment_removed_credits} = closing ${document.closing_balance}`,
      document.chain_head
        ? `  ledger chain head at month end: row ${document.chain_head.ledger_row_id}, ${document.chain_head.row_hash}`
        : '  no ledger row up to month end',
    ].join('\n'),
  );
  return 0;
}

type Totals = Partial<Record<(typeof STATEMENT_TOTALS)[number], number>>;

function totalsLine(totals: Totals, rows: readonly { type: string }[]) {
  const refunds = rows.filter((r) => r.type === 'batch_refund').length;
  const pending = totals.pending_credits ? `, still frozen ${totals.pending_credits}` : '';
  return `  upfront ${totals.upfront_credits}, refunds ${totals.refunded_credits} (${refunds} task${refunds === 1 ? '' : 's'}), net spent ${totals.net_spent_credits}, credits spent ${totals.credits_spent}${pending}`;
}

/** The ledger rows and totals of a CSV statement (`statementCsv`'s layout). */
function readCsvStatement(bytes: Buffer) {
  const records = parseCsv(bytes, { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  const number = (value: string | undefined) =>
    value !== undefined && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  const rows = records
    .filter((r) => r.type === 'batch_upfront' || r.type === 'batch_refund')
    .map((r) => ({ type: r.type ?? '', credits_delta: number(r.credits_delta) }));
  const totals: Totals = {};
  for (const name of STATEMENT_TOTALS) {
    const line = records.find((r) => r.type === name);
    if (line) totals[name] = number(line.total_credits);
  }
  const layout =
    records.length > 0 && !('total_credits' in (records[0] ?? {}))
      ? ('signed-totals' as const)
      : ('current' as const);
  return { rows, totals, layout };
}

async function main(argv: string[]): Promise<number> {
  let values: {
    json?: boolean;
    help?: boolean;
    statement?: string;
    csv?: string;
    signature?: string;
    'public-key'?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        statement: { type: 'string' },
        csv: { type: 'string' },
        signature: { type: 'string' },
        'public-key': { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.statement || values.csv) {
    const publicKey = values['public-key'];
    if (!publicKey || (values.csv && !values.signature)) {
      console.error(`error: --public-key is required (and --signature with --csv)\n\n${USAGE}`);
      return 2;
    }
    return verifyStatementFile({ ...values, publicKey }, (text) => console.log(text));
  }
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const database = await openDatabase(
    env,
    createLogger({ LOG_LEVEL: 'warn' }, 'batchreel-verify'),
    'batchreel-verify',
  );
  try {
    return await verifyLedger(database.db, {
      json: values.json === true,
      out: (text) => console.log(text),
    });
  } finally {
    await database.close();
  }
}

/** Runs the command line and sets the exit code (`dist/ledger-verify.js` calls it). */
export function run(argv: string[]) {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}

// Run only when executed as a script (`tsx src/cli/ledger-verify.ts`), so tests can import it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2));
}
