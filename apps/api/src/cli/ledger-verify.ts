// `pnpm ledger:verify`: recomputes every account's ledger hash chain and checks every SPEC §5
// invariant over the whole database, for finance and auditors, without an engineer.
// Exit code 0: no violations; 1: violations (listed); 2: usage or configuration error.
import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Database } from '@batchreel/db';
import { ConfigError, loadEnv } from '../env';
import { checkIntegrity, type IntegrityReport } from '../ledger/integrity';
import { keyId, type SignedStatement, verifyStatement } from '../ledger/statement';
import { openDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

const USAGE = `Usage: pnpm ledger:verify [--json]
       pnpm ledger:verify --statement <statement.json> --public-key <key.pem>
       pnpm ledger:verify --csv <statement.csv> --signature <base64> --public-key <key.pem>

With --statement or --csv, checks a settlement statement offline (no database): its Ed25519
signature against the public key (Admin → export, /admin/export/statement-public-key.pem) and that
its totals add up.

Checks the database named by DATABASE_URL (or the embedded one under DATA_DIR):
  - every ledger row's hash and its link to the previous row of its account (tamper evidence),
  - balances: each row's balance_after, the account balance = Σ credits_delta, never negative,
  - per batch: one upfront of -required_credits, one refund per failed or canceled task and none
    for a succeeded one, settled ⇒ frozen = spent + refunded, counts and statuses,
  - no reservation left on a batch that is not waiting.
Exit code 0 when all hold, 1 with a report of each violation, 2 on a usage or configuration error.`;

/** The readable report: totals, then each violation with the rows, batches and accounts it names. */
export function formatReport(report: IntegrityReport): string {
  const lines = [
    `Checked ${report.accounts} accounts, ${report.ledgerRows} ledger rows and ${report.batches} started batches at ${report.checkedAt.toISOString()}.`,
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
 * up (totals = Σ rows, net = upfront − refunds). Returns the exit code.
 */
export async function verifyStatementFile(
  options: { statement?: string; csv?: string; signature?: string; publicKey: string },
  out: (text: string) => void,
): Promise<number> {
  const publicKey = createPublicKey(await readFile(options.publicKey, 'utf8'));
  if (options.csv) {
    const bytes = await readFile(options.csv);
    const signature = (options.signature ?? '').replace(/^ed25519=/, '');
    const valid = verify(null, bytes, publicKey, Buffer.from(signature, 'base64'));
    out(
      valid
        ? `OK: ${options.csv} is signed by key ${keyId(publicKey)} and unchanged.`
        : `FAILED: the signature does not match ${options.csv} (changed, or signed by another key).`,
    );
    return valid ? 0 : 1;
  }
  const signed = JSON.parse(await readFile(options.statement ?? '', 'utf8')) as SignedStatement;
  const problems: string[] = [];
  if (!verifyStatement(signed, publicKey))
    problems.push(
      'the signature does not match (the statement was changed, or signed by another key)',
    );
  const sum = (type: string) =>
    signed.rows.filter((r) => r.type === type).reduce((t, r) => t + r.credits_delta, 0);
  if (-sum('batch_upfront') !== signed.totals.upfront_credits)
    problems.push('upfront total ≠ the upfront row');
  if (sum('batch_refund') !== signed.totals.refunded_credits)
    problems.push('refund total ≠ Σ refund rows');
  if (
    signed.totals.upfront_credits - signed.totals.refunded_credits !==
    signed.totals.net_spent_credits
  )
    problems.push('net ≠ upfront − refunds');
  if (problems.length > 0) {
    out(`FAILED: ${problems.join('; ')}.`);
    return 1;
  }
  const refunds = signed.rows.filter((r) => r.type === 'batch_refund').length;
  out(
    [
      `OK: statement of batch ${signed.batch_id} (${signed.account_name}) is signed by key ${signed.signature.key_id} and unchanged.`,
      `  upfront ${signed.totals.upfront_credits}, refunds ${signed.totals.refunded_credits} (${refunds} task${refunds === 1 ? '' : 's'}), net spent ${signed.totals.net_spent_credits}`,
      `  ledger chain head at issue: row ${signed.chain_head.ledger_row_id}, ${signed.chain_head.row_hash}`,
    ].join('\n'),
  );
  return 0;
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
