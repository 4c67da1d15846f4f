// `pnpm chaos`, shortened for CI: 20 s of concurrent submissions from three accounts while both
// worker processes are SIGKILLed and restarted and PostgreSQL is restarted once; then everything
// must settle with zero violations of the money invariants and of the run's cross-checks. The
// seed is random per run and printed in the summary, so a failure can be repeated with
// `pnpm chaos -- --duration 20 --accounts 3 --seed <seed>`.
import { describe, expect, it } from 'vitest';
import { runChaos } from '../src/chaos';
import { formatReport, violationCount } from '../src/report';

describe('chaos run (short)', () => {
  it('kills workers and restarts the database under load; the books balance', async () => {
    const report = await runChaos({ durationSeconds: 20, accounts: 3, settleTimeoutSeconds: 90 });
    const summary = formatReport(report);
    console.info(summary);

    expect(report.error, summary).toBeNull();
    expect(report.settled, summary).toBe(true);
    expect(report.integrityViolations, summary).toEqual([]);
    expect(report.problems, summary).toEqual([]);
    expect(violationCount(report)).toBe(0);
    expect(report.ok).toBe(true);

    // The faults were really injected, and the run exercised what it claims to.
    expect(report.faults.workerKills).toBeGreaterThanOrEqual(2);
    expect(report.faults.workerRestarts).toBe(report.faults.workerKills);
    expect(report.faults.databaseRestarts).toBe(1);
    expect(report.faults.unexpectedExits).toEqual([]);
    expect(report.requests.admitted).toBeGreaterThan(20);
    expect(report.requests.refused402).toBeGreaterThan(0);
    expect(report.requests.replays).toBeGreaterThan(0);
    expect(report.requests.cancels.accepted).toBeGreaterThan(0);
    expect(report.figures?.refunds.rows).toBeGreaterThan(0);
    expect(report.figures?.attempts.failed).toBeGreaterThan(0);
    expect(report.webhooks.received).toBeGreaterThan(0);
  }, 170_000);
});
