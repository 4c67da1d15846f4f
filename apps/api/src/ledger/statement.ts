import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@batchreel/db';
import { stringify as toCsv } from 'csv-stringify/sync';
import stableStringify from 'safe-stable-stringify';
import { readBatchMoney } from './batch-money';

/**
 * Per-batch settlement statements that finance can export and check offline: the upfront, every
 * refund with its task, the totals, and the account's ledger chain head when it was issued, signed
 * with Ed25519. Anyone with the public key can check a statement without access to Batchreel
 * (`pnpm ledger:verify --statement`, or OpenSSL; see docs/ledger.md), and the chain head ties it
 * to the ledger: a later verification of the ledger must still contain that row with that hash.
 */

export interface StatementRow {
  type: 'batch_upfront' | 'batch_refund';
  ledger_row_id: string;
  task_id: string | null;
  batch_index: number | null;
  error_code: string | null;
  credits_delta: number;
  balance_after: number;
  created_at: string;
  row_hash: string;
}

export interface Statement {
  statement_version: 1;
  batch_id: string;
  account_id: string;
  account_name: string;
  status: string;
  settlement_status: string;
  total_count: number;
  success_count: number;
  failed_count: number;
  canceled_count: number;
  rows: StatementRow[];
  /**
   * Positive amounts named for what they are (the rows keep their signed deltas):
   * upfront = credits_spent + refunded + pending, net spent = upfront − refunded.
   */
  totals: {
    upfront_credits: number;
    refunded_credits: number;
    net_spent_credits: number;
    /** Σ price of succeeded tasks: so far, or the settled figure. */
    credits_spent: number;
    /** Still frozen for unfinished tasks; 0 once settled. */
    pending_credits: number;
  };
  chain_head: { ledger_row_id: string; row_hash: string };
  created_at: string;
  settled_at: string | null;
  issued_at: string;
}

export interface SignedStatement extends Statement {
  signature: { algorithm: 'ed25519'; key_id: string; value: string };
}

/** A short id of a public key (SHA-256 of its DER form), so statements name the key that signed them. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** The bytes that are signed: the statement without its signature, keys sorted, no whitespace. */
export const canonicalStatement = (statement: object) =>
  Buffer.from(stableStringify(statement) ?? '', 'utf8');

/** An Ed25519 signature block over a JSON document (batch and monthly statements alike). */
export interface JsonSignature {
  algorithm: 'ed25519';
  key_id: string;
  value: string;
}

/** Signs a JSON document the way statements are signed: canonical JSON, Ed25519, base64. */
export function signJson(document: object, privateKey: KeyObject): JsonSignature {
  return {
    algorithm: 'ed25519',
    key_id: keyId(createPublicKey(privateKey)),
    value: sign(null, canonicalStatement(document), privateKey).toString('base64'),
  };
}

/** True when `signature` was made over `document` by the holder of `publicKey`. */
export function verifyJson(
  document: object,
  signature: Partial<JsonSignature> | undefined,
  publicKey: KeyObject,
): boolean {
  if (signature?.algorithm !== 'ed25519' || typeof signature.value !== 'string') return false;
  return verify(
    null,
    canonicalStatement(document),
    publicKey,
    Buffer.from(signature.value, 'base64'),
  );
}

/**
 * The statement of one batch as the ledger shows it now; null for an unknown batch. Read in one
 * snapshot, so its rows, totals and chain head describe the same moment.
 */
export async function buildStatement(db: Database, batchId: string): Promise<Statement | null> {
  return db.$transaction(
    async (tx) => {
      const batch = await tx.batchJob.findUnique({
        where: { id: batchId },
        include: { account: { select: { name: true } } },
      });
      if (!batch) return null;
      const rows = await tx.creditLedger.findMany({
        where: { refId: batchId, refType: { in: ['batch_upfront', 'batch_refund'] } },
        include: { task: { select: { batchIndex: true, errorCode: true } } },
        orderBy: { id: 'asc' },
      });
      const head = await tx.creditLedger.findFirst({
        where: { accountId: batch.accountId },
        orderBy: { id: 'desc' },
        select: { id: true, rowHash: true },
      });
      const money = await readBatchMoney(tx, batchId);
      const sum = (type: string) =>
        rows.filter((r) => r.refType === type).reduce((total, r) => total + r.creditsDelta, 0);
      const upfront = -sum('batch_upfront');
      const refunded = sum('batch_refund');
      return {
        statement_version: 1 as const,
        batch_id: batch.id,
        account_id: batch.accountId,
        account_name: batch.account.name,
        status: batch.status,
        settlement_status: batch.settlementStatus,
        total_count: batch.totalCount,
        success_count: batch.successCount,
        failed_count: batch.failedCount,
        canceled_count: batch.canceledCount,
        rows: rows.map((r) => ({
          type: r.refType as StatementRow['type'],
          ledger_row_id: r.id.toString(),
          task_id: r.taskId,
          batch_index: r.task?.batchIndex ?? null,
          error_code: r.task?.errorCode ?? null,
          credits_delta: r.creditsDelta,
          balance_after: r.balanceAfter,
          created_at: r.createdAt.toISOString(),
          row_hash: r.rowHash ?? '',
        })),
        totals: {
          upfront_credits: upfront,
          refunded_credits: refunded,
          net_spent_credits: upfront - refunded,
          credits_spent: money?.creditsSpent ?? 0,
          pending_credits: money?.pendingCredits ?? 0,
        },
        chain_head: { ledger_row_id: head?.id.toString() ?? '', row_hash: head?.rowHash ?? '' },
        created_at: batch.createdAt.toISOString(),
        settled_at: batch.settledAt?.toISOString() ?? null,
        issued_at: new Date().toISOString(),
      };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}

export function signStatement(statement: Statement, privateKey: KeyObject): SignedStatement {
  return { ...statement, signature: signJson(statement, privateKey) };
}

/** True when `signed` was signed by the holder of `publicKey` and not changed since. */
export function verifyStatement(signed: SignedStatement, publicKey: KeyObject): boolean {
  const { signature, ...statement } = signed;
  return verifyJson(statement, signature, publicKey);
}

/** The columns of a CSV statement, in order. */
export const STATEMENT_CSV_COLUMNS = [
  'type',
  'ledger_row_id',
  'task_id',
  'batch_index',
  'error_code',
  'credits_delta',
  'balance_after',
  'created_at',
  'row_hash',
  'total_credits',
] as const;

/** The totals of a statement in the order the CSV lists them; the names are the JSON's. */
export const STATEMENT_TOTALS = [
  'upfront_credits',
  'refunded_credits',
  'net_spent_credits',
  'credits_spent',
  'pending_credits',
] as const satisfies readonly (keyof Statement['totals'])[];

/**
 * The statement as CSV: one line per ledger row, then one line per total, then the chain head.
 * The sign convention is the JSON's (docs/ledger.md): `credits_delta` is each ledger row's signed
 * delta as the ledger stores it (the upfront negative, refunds positive), so that column sums to
 * the batch's net effect on the balance; totals are positive amounts named for what they are,
 * in their own column (`total_credits`), never mixed into the deltas.
 */
export function statementCsv(statement: Statement): string {
  const line = (fields: Partial<Record<(typeof STATEMENT_CSV_COLUMNS)[number], unknown>>) =>
    STATEMENT_CSV_COLUMNS.map((column) => fields[column] ?? '');
  const lines = [
    ...statement.rows.map((r) =>
      line({
        type: r.type,
        ledger_row_id: r.ledger_row_id,
        task_id: r.task_id,
        batch_index: r.batch_index,
        error_code: r.error_code,
        credits_delta: r.credits_delta,
        balance_after: r.balance_after,
        created_at: r.created_at,
        row_hash: r.row_hash,
      }),
    ),
    ...STATEMENT_TOTALS.map((name) => line({ type: name, total_credits: statement.totals[name] })),
    line({
      type: 'chain_head',
      ledger_row_id: statement.chain_head.ledger_row_id,
      created_at: statement.issued_at,
      row_hash: statement.chain_head.row_hash,
    }),
  ];
  return toCsv([[...STATEMENT_CSV_COLUMNS], ...lines]);
}

/**
 * What is wrong with a statement's figures, in words (empty when they add up): the upfront total
 * is the upfront row's delta negated, the refund total is Σ refund rows, net spent = upfront −
 * refunds, upfront = spent + refunded + still frozen, and every total is a positive amount (or 0).
 * Statements issued before `pending_credits` existed are checked without it.
 */
export function statementArithmetic(
  rows: readonly { type: string; credits_delta: number }[],
  totals: Partial<Record<(typeof STATEMENT_TOTALS)[number], number>>,
): string[] {
  const problems: string[] = [];
  const sum = (type: string) =>
    rows.filter((r) => r.type === type).reduce((t, r) => t + r.credits_delta, 0);
  for (const name of STATEMENT_TOTALS) {
    const value = totals[name];
    if (value === undefined && name === 'pending_credits') continue;
    if (value === undefined || !Number.isSafeInteger(value) || value < 0)
      problems.push(`${name} is not a positive amount`);
  }
  const { upfront_credits: upfront = NaN, refunded_credits: refunded = NaN } = totals;
  if (-sum('batch_upfront') !== upfront) problems.push('upfront total ≠ the upfront row');
  if (sum('batch_refund') !== refunded) problems.push('refund total ≠ Σ refund rows');
  if (upfront - refunded !== totals.net_spent_credits) problems.push('net ≠ upfront − refunds');
  if (
    totals.pending_credits !== undefined &&
    upfront !== (totals.credits_spent ?? NaN) + refunded + totals.pending_credits
  )
    problems.push('upfront ≠ spent + refunded + still frozen');
  return problems;
}

/** A detached Ed25519 signature (base64) of bytes, e.g. a CSV statement. */
export const signBytes = (bytes: Buffer, privateKey: KeyObject) =>
  sign(null, bytes, privateKey).toString('base64');

/**
 * The statement signing key: `STATEMENT_SIGNING_KEY` (an Ed25519 private key in PKCS#8 PEM; set
 * the same key on every API process), else one generated on first use and kept in DATA_DIR
 * (single-machine setups and development).
 */
export async function loadStatementKey(
  pem: string | undefined,
  dataDir: string,
): Promise<KeyObject> {
  if (pem) return createPrivateKey(pem.replace(/\\n/g, '\n'));
  const path = join(dataDir, 'statement-signing-key.pem');
  if (existsSync(path)) return createPrivateKey(await readFile(path, 'utf8'));
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await chmod(path, 0o600);
  return privateKey;
}
