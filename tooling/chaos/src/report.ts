import type { Violation } from '@batchreel/billing';
import type { FaultLog } from './faults';
import type { Answer } from './receiver';
import type { TrafficLog } from './traffic';
import type { Figures } from './verify';

/** The outcome of a chaos run: what was done to the system, and what held. */
export interface ChaosReport {
  /** True only when everything settled, no invariant was violated and no cross-check failed. */
  ok: boolean;
  seed: number;
  durationSeconds: number;
  elapsedMs: number;
  accounts: number;
  /** Whether every batch, task and webhook delivery reached a final state before the deadline. */
  settled: boolean;
  /** From the end of submissions to the last of it settling. */
  settleMs: number | null;
  requests: {
    http: number;
    statuses: Record<string, number>;
    submissions: number;
    admitted: number;
    replays: number;
    inProgress409: number;
    refused402: number;
    reusedKey422: number;
    duplicateGroups: number;
    unansweredWithoutKey: number;
    cancels: TrafficLog['cancels'];
    topups: TrafficLog['topups'];
    balanceReads: number;
    heldBack: number;
    batchReads: number;
  };
  faults: Omit<FaultLog, 'timeline'> & { unexpectedExits: string[]; timeline: string[] };
  webhooks: { received: number; answers: Record<Answer, number>; badSignatures: number };
  /** Counted in the database at the end (null when the run ended before it could look). */
  figures: Figures | null;
  /** `checkIntegrity(db)` (docs/product.md §5 over the whole database). */
  integrityViolations: Violation[];
  /** The run's own cross-checks that failed, and anything else that went wrong. */
  problems: string[];
  /** The error that ended the run early, if one did. */
  error: string | null;
  /** Tails of the child processes' output, kept when the run failed. */
  processOutput: Record<string, string>;
}

export function violationCount(report: ChaosReport): number {
  return report.integrityViolations.length + report.problems.length;
}

const MAX_LISTED = 40;

/** The summary printed at the end of `pnpm chaos`. */
export function formatReport(report: ChaosReport): string {
  const r = report.requests;
  const f = report.figures;
  const lines = [
    '',
    `═══ chaos run ${report.ok ? 'PASSED' : 'FAILED'} ═══  seed ${report.seed} (repeat with --seed ${report.seed})`,
    `duration      ${report.durationSeconds} s of submissions, ${(report.elapsedMs / 1000).toFixed(1)} s in all` +
      (report.settleMs === null
        ? ', did not settle'
        : `, settled ${(report.settleMs / 1000).toFixed(1)} s after the last submission`),
    `accounts      ${report.accounts}`,
    `requests      ${r.http} HTTP (${counts(r.statuses)})`,
    `submissions   ${r.submissions}: ${r.admitted} admitted, ${r.refused402} × 402, ` +
      `${r.replays} replays, ${r.inProgress409} × 409 in flight, ${r.reusedKey422} × 422 key reused, ` +
      `${r.duplicateGroups} duplicate groups, ${r.unansweredWithoutKey} unanswered without key`,
    `cancels       ${r.cancels.accepted} accepted, ${r.cancels.tooLate} too late, ${r.cancels.unanswered} unanswered`,
    `top-ups       ${r.topups.count} (${r.topups.credits} credits), ${r.topups.uncertain} uncertain; ${r.balanceReads} balance reads`,
    `waiting       ${r.heldBack} waits for open work (over the cap of open tasks), ${r.batchReads} batch reads`,
  ];
  if (f) {
    lines.push(
      `batches       ${total(f.batches)} (${counts(f.batches)})`,
      `tasks         ${total(f.tasks)} (${counts(f.tasks)}); failures: ${counts(f.failureCodes)}`,
      `ledger        ${f.upfronts.rows} upfronts (${f.upfronts.credits}), ${f.refunds.rows} refunds ` +
        `(+${f.refunds.credits}), ${f.topups.rows} top-ups (+${f.topups.credits})`,
      `webhooks      ${total(f.deliveries)} deliveries (${counts(f.deliveries)}); ` +
        `${f.attempts.total} attempts, ${f.attempts.failed} failed`,
    );
  }
  const w = report.webhooks;
  lines.push(
    `receiver      ${w.received} requests (${counts(w.answers)}), ${w.badSignatures} bad signatures`,
    `faults        ${report.faults.workerKills} worker kills (SIGKILL), ${report.faults.workerRestarts} restarts, ` +
      `${report.faults.databaseRestarts} database restart(s), ${report.faults.unexpectedExits.length} unexpected exits`,
    ...report.faults.timeline.map((line) => `                ${line}`),
    `violations    ${violationCount(report)} (integrity ${report.integrityViolations.length}, ` +
      `cross-checks ${report.problems.length})`,
  );
  if (report.error) lines.push('', `run ended by an error: ${report.error}`);
  const listed = [
    ...report.integrityViolations.map((v) => `integrity ${v.code}: ${v.message}`),
    ...report.problems,
  ];
  if (listed.length > 0) {
    lines.push('', 'what went wrong:');
    for (const line of listed.slice(0, MAX_LISTED)) lines.push(`  - ${line}`);
    if (listed.length > MAX_LISTED) lines.push(`  … and ${listed.length - MAX_LISTED} more`);
  }
  for (const [name, output] of Object.entries(report.processOutput)) {
    if (output.trim()) lines.push('', `----- last output of ${name} -----`, output.trimEnd());
  }
  return lines.join('\n');
}

function total(record: Record<string, number>) {
  return Object.values(record).reduce((sum, n) => sum + n, 0);
}

function counts(record: Record<string, number>) {
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k}: ${n}`).join(', ');
}
