import { checkIntegrity } from '@batchreel/api/tooling';
import type { Violation } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import { call } from './http';
import type { FlappingReceiver } from './receiver';
import type { ChaosAccount, TrafficLog } from './traffic';

/** What the database holds at the end, counted for the summary. */
export interface Figures {
  batches: Record<string, number>;
  tasks: Record<string, number>;
  failureCodes: Record<string, number>;
  upfronts: { rows: number; credits: number };
  refunds: { rows: number; credits: number };
  topups: { rows: number; credits: number };
  deliveries: Record<string, number>;
  attempts: { total: number; failed: number };
}

export interface Verdict {
  figures: Figures;
  integrity: Violation[];
  /** The run's own cross-checks that failed, one readable line each. */
  problems: string[];
}

type Directive = 'plain' | 'flaky' | 'content_policy' | 'provider_error' | 'timeout';
const FAILING: readonly Directive[] = ['content_policy', 'provider_error', 'timeout'];

/**
 * The end-of-run checks: `checkIntegrity` (docs/product.md §5 over the whole database) and cross-checks
 * that look from other sides — what the clients were told, what the webhook receiver saw, and
 * each money movement counted row by row.
 */
export async function verifyRun(input: {
  db: Database;
  baseUrl: string;
  accounts: ChaosAccount[];
  traffic: TrafficLog;
  receiver: FlappingReceiver;
}): Promise<Verdict> {
  const { db, traffic, receiver } = input;
  const problems: string[] = [];
  const problem = (line: string) => problems.push(line);

  const integrity = (await checkIntegrity(db)).violations;

  const batches = await db.batchJob.findMany();
  const tasks = await db.videoTask.findMany({
    select: {
      id: true,
      batchId: true,
      status: true,
      costCredits: true,
      prompt: true,
      errorCode: true,
    },
  });
  const ledger = await db.creditLedger.findMany({
    select: {
      accountId: true,
      refType: true,
      refId: true,
      taskId: true,
      creditsDelta: true,
    },
  });
  const deliveries = await db.webhookDelivery.findMany({
    select: { id: true, batchId: true, eventId: true, eventType: true, status: true },
  });
  const [attempts] = await db.$queryRaw<{ total: number; failed: number }[]>`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)::int AS failed
      FROM webhook_attempts`;

  const batchById = new Map(batches.map((b) => [b.id, b]));
  const tasksOf = groupBy(tasks, (t) => t.batchId);
  const rowsOf = groupBy(ledger, (r) => r.refId);

  // --- Every batch settled, its money moved once each way ------------------------------------
  for (const batch of batches) {
    const label = `batch ${batch.id}`;
    const own = tasksOf.get(batch.id) ?? [];
    const rows = rowsOf.get(batch.id) ?? [];
    if (batch.settlementStatus === 'pending') problem(`${label}: not settled (${batch.status})`);
    if (batch.integrityError) problem(`${label}: flagged: ${batch.integrityError}`);
    const unfinished = own.filter((t) => t.status === 'queued' || t.status === 'running');
    if (unfinished.length > 0) problem(`${label}: ${unfinished.length} task(s) not terminal`);

    const upfronts = rows.filter((r) => r.refType === 'batch_upfront');
    if (batch.frozenCredits > 0) {
      if (batch.frozenCredits !== batch.requiredCredits)
        problem(`${label}: froze ${batch.frozenCredits} of ${batch.requiredCredits} credits`);
      if (upfronts.length !== 1 || upfronts[0]?.creditsDelta !== -batch.requiredCredits)
        problem(
          `${label}: ${upfronts.length} batch_upfront row(s) ` +
            `(${upfronts.map((r) => r.creditsDelta).join(', ')}) for ${batch.requiredCredits} credits`,
        );
    } else if (upfronts.length > 0) {
      problem(`${label}: ${upfronts.length} batch_upfront row(s) but nothing frozen`);
    }

    const refunds = rows.filter((r) => r.refType === 'batch_refund');
    const refundsOf = groupBy(refunds, (r) => r.taskId ?? 'none');
    for (const task of own) {
      const mine = refundsOf.get(task.id) ?? [];
      const owed =
        batch.frozenCredits > 0 && (task.status === 'failed' || task.status === 'canceled');
      if (owed && (mine.length !== 1 || mine[0]?.creditsDelta !== task.costCredits))
        problem(`${label}: ${task.status} task ${task.id} has ${mine.length} refund(s)`);
      if (!owed && mine.length > 0)
        problem(`${label}: ${task.status} task ${task.id} refunded ${mine.length}×`);
    }
    const strays = refunds.filter((r) => !own.some((t) => t.id === r.taskId));
    if (strays.length > 0) problem(`${label}: ${strays.length} refund(s) of tasks not in it`);
    if (rows.some((r) => r.accountId !== batch.accountId))
      problem(`${label}: ledger rows on another account`);

    const refunded = sum(refunds.map((r) => r.creditsDelta));
    const spent = sum(own.filter((t) => t.status === 'succeeded').map((t) => t.costCredits));
    if (batch.settlementStatus !== 'pending') {
      if (batch.frozenCredits !== batch.creditsSpent + refunded)
        problem(
          `${label}: frozen ${batch.frozenCredits} ≠ spent ${batch.creditsSpent} + refunded ${refunded}`,
        );
      if (batch.creditsSpent !== spent)
        problem(`${label}: credits_spent ${batch.creditsSpent} ≠ Σ succeeded ${spent}`);
      if (batch.refundedCredits !== refunded)
        problem(`${label}: refunded_credits ${batch.refundedCredits} ≠ ledger ${refunded}`);
      const count = (status: string) => own.filter((t) => t.status === status).length;
      if (
        batch.successCount !== count('succeeded') ||
        batch.failedCount !== count('failed') ||
        batch.canceledCount !== count('canceled') ||
        batch.totalCount !== own.length
      )
        problem(`${label}: stored counts do not match its tasks`);
    }

    // Outcomes follow the simulator's directives (a canceled task never ran to an outcome).
    for (const task of own) {
      if (task.status === 'canceled' || task.status === 'queued' || task.status === 'running')
        continue;
      const directive = directiveOf(task.prompt);
      const mustFail = FAILING.includes(directive);
      const ok = mustFail
        ? task.status === 'failed' && task.errorCode === directive
        : task.status === 'succeeded';
      if (!ok)
        problem(
          `${label}: task ${task.id} [${directive}] ended ${task.status} (${task.errorCode ?? '-'})`,
        );
    }
  }

  // --- Accounts: Σ ledger = balance = granted − spent; nothing reserved at the end -----------
  const accounts = await db.account.findMany();
  for (const account of accounts) {
    const rows = ledger.filter((r) => r.accountId === account.id);
    const total = sum(rows.map((r) => r.creditsDelta));
    const granted = sum(rows.filter((r) => r.refType === 'topup').map((r) => r.creditsDelta));
    const consumed = sum(
      batches.filter((b) => b.accountId === account.id).map((b) => b.creditsSpent),
    );
    if (account.balance !== total)
      problem(`account ${account.name}: balance ${account.balance} ≠ Σ ledger ${total}`);
    if (account.balance < 0) problem(`account ${account.name}: balance ${account.balance} < 0`);
    if (account.balance !== granted - consumed)
      problem(
        `account ${account.name}: balance ${account.balance} ≠ granted ${granted} − spent ${consumed}`,
      );
  }
  for (const account of input.accounts) {
    const reply = await call(input.baseUrl, 'GET', '/api/enterprise/balance', {
      apiKey: account.apiKey,
    });
    const stored = accounts.find((a) => a.id === account.id);
    const b = reply.body;
    if (
      reply.status !== 200 ||
      b.balance !== stored?.balance ||
      b.reserved_credits !== 0 ||
      b.available_credits !== b.balance
    )
      problem(
        `account ${account.name}: GET /balance answered ${reply.status} ${JSON.stringify(b)} ` +
          `(database balance ${stored?.balance}, nothing reserved)`,
      );
  }

  // --- Idempotency: one batch per (account, X-Request-ID); 402s left nothing behind ----------
  const duplicates = await db.$queryRaw<{ account_id: string; request_id: string; n: number }[]>`
    SELECT account_id, request_id, count(*)::int AS n FROM batch_jobs
     WHERE request_id IS NOT NULL GROUP BY account_id, request_id HAVING count(*) > 1`;
  for (const d of duplicates)
    problem(`${d.n} batches for X-Request-ID ${d.request_id} of account ${d.account_id}`);

  const accountIdOf = new Map(input.accounts.map((a) => [a.index, a.id]));
  const keys = [...traffic.keys.values()];
  const remembered = await db.idempotencyKey.findMany({
    select: { accountId: true, requestId: true, batchId: true },
  });
  const rememberedBy = new Map(remembered.map((k) => [`${k.accountId}:${k.requestId}`, k]));
  const batchByKey = new Map(batches.map((b) => [`${b.accountId}:${b.requestId}`, b]));
  for (const key of keys) {
    const accountId = accountIdOf.get(key.accountIndex);
    const stored = batchByKey.get(`${accountId}:${key.requestId}`);
    const record = rememberedBy.get(`${accountId}:${key.requestId}`);
    if (key.batchIds.size > 1)
      problem(`X-Request-ID ${key.requestId} was answered with ${key.batchIds.size} batch ids`);
    const [told] = [...key.batchIds];
    if (told !== undefined) {
      if (stored?.id !== told || record?.batchId !== told)
        problem(
          `X-Request-ID ${key.requestId}: answered ${told}, stored batch ${stored?.id}, ` +
            `idempotency record ${record?.batchId}`,
        );
    } else if (key.refused && !key.unanswered && (stored || record)) {
      problem(`X-Request-ID ${key.requestId} was refused (402) but left a batch or a record`);
    }
  }

  // --- What the clients were told against what exists ----------------------------------------
  const maybe = new Set(keys.filter((k) => k.unanswered).map((k) => k.requestId));
  let unexplained = 0;
  for (const batch of batches) {
    if (traffic.admitted.has(batch.id)) continue;
    if (batch.requestId && maybe.has(batch.requestId)) continue;
    unexplained++;
  }
  if (unexplained > traffic.unansweredWithoutKey)
    problem(
      `${unexplained} batch(es) no client was told about (only ` +
        `${traffic.unansweredWithoutKey} unanswered submission(s) without a key could explain them)`,
    );
  for (const admitted of traffic.admitted.values()) {
    const batch = batchById.get(admitted.batchId);
    if (!batch) {
      problem(`batch ${admitted.batchId} was admitted (202) but does not exist`);
      continue;
    }
    if (batch.accountId !== accountIdOf.get(admitted.accountIndex))
      problem(`batch ${admitted.batchId} belongs to another account than the one that sent it`);
    if (batch.requiredCredits !== admitted.requiredCredits)
      problem(`batch ${admitted.batchId}: required ${batch.requiredCredits}, quoted differently`);
    if (admitted.cancelAccepted && !batch.cancelRequested)
      problem(`batch ${admitted.batchId}: cancel answered 200 but not recorded`);
  }

  // --- Webhooks --------------------------------------------------------------------------------
  const deliveriesOf = groupBy(
    deliveries.filter((d) => d.batchId !== null),
    (d) => d.batchId ?? '',
  );
  const acknowledged = receiver.acknowledged();
  for (const batch of batches) {
    if (batch.settlementStatus === 'pending') continue;
    const closing = (deliveriesOf.get(batch.id) ?? []).filter(
      (d) => d.eventType === 'batch.completed' || d.eventType === 'batch.canceled',
    );
    const expected = batch.status === 'canceled' ? 'batch.canceled' : 'batch.completed';
    if (batch.webhookUrl === null) {
      if (closing.length > 0) problem(`batch ${batch.id}: webhook events without a webhook_url`);
    } else if (closing.length !== 1 || closing[0]?.eventType !== expected) {
      problem(
        `batch ${batch.id} (${batch.status}): closing deliveries ` +
          `[${closing.map((d) => d.eventType).join(', ')}], expected one ${expected}`,
      );
    }
  }
  for (const delivery of deliveries) {
    if (delivery.status === 'pending') problem(`delivery ${delivery.id} is still pending`);
    if (delivery.status === 'delivered' && !acknowledged.has(delivery.eventId))
      problem(`delivery ${delivery.id} is 'delivered' but the receiver never answered it 2xx`);
  }
  const eventIds = new Set(deliveries.map((d) => d.eventId));
  for (const event of receiver.events) {
    if (!eventIds.has(event.eventId))
      problem(`the receiver got event ${event.eventId}, which no delivery row records`);
    const owner = event.batchId ? batchById.get(event.batchId)?.accountId : undefined;
    if (owner !== accountIdOf.get(event.accountIndex))
      problem(`event ${event.eventId} about batch ${event.batchId} reached another account's URL`);
  }
  for (const bad of receiver.badSignatures.slice(0, 20)) problem(`webhook not verifiable: ${bad}`);

  return {
    integrity,
    problems,
    figures: {
      batches: countBy(batches, (b) => b.status),
      tasks: countBy(tasks, (t) => t.status),
      failureCodes: countBy(
        tasks.filter((t) => t.status === 'failed'),
        (t) => t.errorCode ?? 'none',
      ),
      upfronts: movement(ledger, 'batch_upfront'),
      refunds: movement(ledger, 'batch_refund'),
      topups: movement(ledger, 'topup'),
      deliveries: countBy(deliveries, (d) => `${d.eventType} ${d.status}`),
      attempts: attempts ?? { total: 0, failed: 0 },
    },
  };
}

function directiveOf(prompt: string): Directive {
  return (/\[sim:(\w+)\]/.exec(prompt)?.[1] as Directive | undefined) ?? 'plain';
}

function movement(rows: { refType: string; creditsDelta: number }[], refType: string) {
  const mine = rows.filter((r) => r.refType === refType);
  return { rows: mine.length, credits: sum(mine.map((r) => r.creditsDelta)) };
}

function sum(values: number[]) {
  return values.reduce((total, v) => total + v, 0);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string) {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function countBy<T>(items: readonly T[], key: (item: T) => string) {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
