// `pnpm ledger:verify`: recomputes every account's ledger hash chain and checks every SPEC §5
// invariant over the whole database, for finance and auditors, without an engineer.
// Exit code 0: no violations; 1: violations (listed); 2: usage or configuration error.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Database } from '@batchreel/db';
import { ConfigError, loadEnv } from '../env';
import { checkIntegrity, type IntegrityReport } from '../ledger/integrity';
import { openDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

const USAGE = `Usage: pnpm ledger:verify [--json]

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

async function main(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
