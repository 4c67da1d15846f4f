// Months of past activity for statement tests. Time cannot be turned back for the real worker
// (PostgreSQL stamps rows with its own clock), so this writes what the worker and finance would
// have written, row for row, with chosen timestamps: batches and tasks, their freeze (upfront),
// outcomes with refunds, settlement, top-ups and adjustments. Every ledger row still goes through
// the ledger's insert trigger (balance, guards, id, hash chain) and every batch through its
// CHECKs, so the history is one the database accepts as real.
import { randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';

type Outcome = 'succeeded' | 'failed' | 'canceled';

export class LedgerHistory {
  constructor(
    private readonly db: Database,
    readonly accountId: string,
    private readonly price = 10,
    private readonly model = 'sora-2',
  ) {}

  private async ledger(
    at: Date,
    row: { refType: string; refId: string; taskId?: string | null; delta: number; memo?: string },
  ) {
    await this.db.$executeRaw`
      INSERT INTO credit_ledger (account_id, ref_type, ref_id, task_id, credits_delta, memo, actor, created_at)
      VALUES (${this.accountId}::uuid, ${row.refType}::ledger_ref_type, ${row.refId}::uuid,
              ${row.taskId ?? null}::uuid, ${row.delta}, ${row.memo ?? null}, 'test:history', ${at})`;
  }

  topUp(at: Date, credits: number) {
    return this.ledger(at, {
      refType: 'topup',
      refId: randomUUID(),
      delta: credits,
      memo: 'Top-up',
    });
  }

  adjust(at: Date, delta: number, memo = 'Correction by finance') {
    return this.ledger(at, { refType: 'adjustment', refId: randomUUID(), delta, memo });
  }

  /**
   * A batch admitted at `admittedAt`, frozen at `frozenAt`, whose tasks end as `outcomes` say at
   * `endedAt` (failed and canceled ones refunded then), settled at `endedAt`.
   */
  async batch(times: { admittedAt: Date; frozenAt: Date; endedAt: Date }, outcomes: Outcome[]) {
    const required = outcomes.length * this.price;
    const batch = await this.db.batchJob.create({
      data: {
        accountId: this.accountId,
        totalCount: outcomes.length,
        costPerVideo: this.price,
        requiredCredits: required,
        createdAt: times.admittedAt,
      },
    });
    await this.db.videoTask.createMany({
      data: outcomes.map((_, i) => ({
        batchId: batch.id,
        accountId: this.accountId,
        batchIndex: i,
        prompt: `history ${i}`,
        model: this.model,
        costCredits: this.price,
        createdAt: times.admittedAt,
      })),
    });
    await this.db.batchJob.update({
      where: { id: batch.id },
      data: { status: 'processing', frozenCredits: required, startedAt: times.frozenAt },
    });
    await this.ledger(times.frozenAt, {
      refType: 'batch_upfront',
      refId: batch.id,
      delta: -required,
      memo: `Pre-deduction for ${outcomes.length} videos`,
    });
    const tasks = await this.db.videoTask.findMany({
      where: { batchId: batch.id },
      orderBy: { batchIndex: 'asc' },
    });
    let refunded = 0;
    for (const [i, task] of tasks.entries()) {
      const outcome = outcomes[i] as Outcome;
      await this.db.videoTask.update({
        where: { id: task.id },
        data: {
          status: outcome,
          finishedAt: times.endedAt,
          ...(outcome === 'succeeded'
            ? { videoUrl: 'https://videos.example/x.mp4' }
            : { errorCode: outcome === 'failed' ? 'timeout' : 'canceled', errorMessage: outcome }),
        },
      });
      if (outcome !== 'succeeded') {
        await this.ledger(times.endedAt, {
          refType: 'batch_refund',
          refId: batch.id,
          taskId: task.id,
          delta: this.price,
          memo: 'Refund of a video that was not delivered',
        });
        refunded += this.price;
      }
    }
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    const canceled = count('canceled');
    await this.db.batchJob.update({
      where: { id: batch.id },
      data: {
        status:
          canceled > 0
            ? 'canceled'
            : count('failed') === 0
              ? 'completed'
              : count('succeeded') === 0
                ? 'failed'
                : 'partial',
        cancelRequested: canceled > 0,
        successCount: count('succeeded'),
        failedCount: count('failed'),
        canceledCount: canceled,
        creditsSpent: required - refunded,
        refundedCredits: refunded,
        settlementStatus: refunded > 0 ? 'refunded' : 'settled',
        finishedAt: times.endedAt,
        settledAt: times.endedAt,
      },
    });
    return { batchId: batch.id, upfront: required, refunded };
  }

  /** A batch canceled before it started: no money moved, nothing reserved any more. */
  async canceledBeforeStart(admittedAt: Date, canceledAt: Date, items = 3) {
    const batch = await this.db.batchJob.create({
      data: {
        accountId: this.accountId,
        totalCount: items,
        costPerVideo: this.price,
        requiredCredits: items * this.price,
        createdAt: admittedAt,
      },
    });
    await this.db.videoTask.createMany({
      data: Array.from({ length: items }, (_, i) => ({
        batchId: batch.id,
        accountId: this.accountId,
        batchIndex: i,
        prompt: `canceled ${i}`,
        model: this.model,
        costCredits: this.price,
        status: 'canceled' as const,
        errorCode: 'canceled',
        finishedAt: canceledAt,
        createdAt: admittedAt,
      })),
    });
    await this.db.batchJob.update({
      where: { id: batch.id },
      data: {
        status: 'canceled',
        cancelRequested: true,
        canceledCount: items,
        settlementStatus: 'settled',
        finishedAt: canceledAt,
        settledAt: canceledAt,
      },
    });
    return { batchId: batch.id };
  }
}
