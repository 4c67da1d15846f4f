import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { grantCredits } from '@batchreel/api/tooling';
import type { Database } from '@batchreel/db';
import { call, callUntilFinal, type Json, type Reply } from './http';
import type { FlappingReceiver } from './receiver';
import type { Rng } from './rng';

/** How long a client keeps asking again (same X-Request-ID) before it gives up on an answer. */
const RETRY_BUDGET_MS = 45_000;
/** A batch no account of the run can pay for: 3,000 videos at 10 credits. */
const UNPAYABLE_ITEMS = 3000;
/** Top-ups stop once an account holds this much, so the unpayable batch stays unpayable. */
const TOPUP_CEILING = 15_000;

export interface ChaosAccount {
  index: number;
  id: string;
  name: string;
  apiKey: string;
}

export interface ChaosModel {
  id: string;
  priceCredits: number;
}

/** A batch a client was told was admitted (202). */
export interface AdmittedBatch {
  batchId: string;
  accountIndex: number;
  requestId: string | null;
  requiredCredits: number;
  hasWebhook: boolean;
  /** A cancel of it was answered 200. */
  cancelAccepted: boolean;
}

/** Everything one X-Request-ID (of one account) was answered with. */
export interface KeyHistory {
  accountIndex: number;
  requestId: string;
  /** The batch ids its 202 answers named: one at most, however often it was sent. */
  batchIds: Set<string>;
  refused: boolean;
  /** No final answer within the retry budget: a batch may or may not exist. */
  unanswered: boolean;
}

/** What the clients saw: the summary's request figures and the cross-checks' expectations. */
export interface TrafficLog {
  /** HTTP requests sent, retries included, and their answers by status (0: no answer). */
  requests: number;
  statuses: Record<string, number>;
  /** Batches clients meant to submit (a retry or a deliberate duplicate is not a new one). */
  submissions: number;
  admitted: Map<string, AdmittedBatch>;
  keys: Map<string, KeyHistory>;
  replays: number;
  inProgress: number;
  refused: number;
  reusedKeyRefusals: number;
  duplicateGroups: number;
  /** Submissions without X-Request-ID that got no answer or a 5xx: they may have created a batch. */
  unansweredWithoutKey: number;
  cancels: { accepted: number; tooLate: number; unanswered: number };
  topups: { count: number; credits: number; uncertain: number };
  balanceReads: number;
  /** Times a client waited because the service had more than enough open work. */
  heldBack: number;
  /** Batch reads answered 200 (each checked for figures that agree). */
  batchReads: number;
  problems: string[];
}

export function emptyTrafficLog(): TrafficLog {
  return {
    requests: 0,
    statuses: {},
    submissions: 0,
    admitted: new Map(),
    keys: new Map(),
    replays: 0,
    inProgress: 0,
    refused: 0,
    reusedKeyRefusals: 0,
    duplicateGroups: 0,
    unansweredWithoutKey: 0,
    cancels: { accepted: 0, tooLate: 0, unanswered: 0 },
    topups: { count: 0, credits: 0, uncertain: 0 },
    balanceReads: 0,
    heldBack: 0,
    batchReads: 0,
    problems: [],
  };
}

type Kind = 'plain' | 'flaky' | 'content_policy' | 'provider_error' | 'timeout';
const KINDS: readonly [Kind, number][] = [
  ['plain', 0.62],
  ['flaky', 0.12],
  ['content_policy', 0.1],
  ['provider_error', 0.08],
  ['timeout', 0.08],
];

interface Submission {
  body: { items: { prompt: string; model: string }[]; webhook_url?: string; metadata?: Json };
  requiredCredits: number;
}

export interface TrafficOptions {
  baseUrl: string;
  accounts: ChaosAccount[];
  models: ChaosModel[];
  receiver: FlappingReceiver;
  /** The run's own connection, for finance top-ups (ledger inserts) after a 402. */
  db: Database;
  /** Whether the database is up (no top-up is attempted while it is restarting). */
  databaseUp: () => boolean;
  loopsPerAccount: number;
  /**
   * Tasks queued or running right now (refreshed by the run). Clients hold off while it is over
   * `maxOpenTasks`, as a real client waits for its earlier batches: without it the clients of a
   * long run submit far faster than two workers on this machine can drain, and the run could not
   * settle in a bounded time.
   */
  openTasks: () => number;
  maxOpenTasks: number;
}

/**
 * The clients: per account, a few loops that submit batches over the public REST API until
 * `untilMs`, with mixed outcomes, webhooks, duplicates, reused keys, cancels, unpayable batches
 * and balance reads. Each loop acts on its own seeded stream. Resolves once every request
 * (including the delayed cancels) has its final answer.
 */
export async function runTraffic(
  options: TrafficOptions,
  rng: Rng,
  untilMs: number,
  log: TrafficLog,
): Promise<void> {
  const traffic = new Traffic(options, log);
  const loops = options.accounts.flatMap((account) =>
    Array.from({ length: options.loopsPerAccount }, (_, loop) =>
      traffic.loop(account, rng.fork(`account-${account.index}-loop-${loop}`), untilMs),
    ),
  );
  await Promise.all(loops);
  await traffic.drain();
}

class Traffic {
  readonly #delayed = new Set<Promise<void>>();
  /** Keys answered 202, with their body, per account: candidates for a reuse with another body. */
  readonly #reusable = new Map<number, { requestId: string; submission: Submission }[]>();

  constructor(
    private readonly options: TrafficOptions,
    private readonly log: TrafficLog,
  ) {}

  async loop(account: ChaosAccount, rng: Rng, untilMs: number) {
    while (Date.now() < untilMs) {
      if (this.options.openTasks() > this.options.maxOpenTasks) {
        // Waiting for its earlier batches, a client polls them (which keeps requests coming
        // through a database restart).
        this.log.heldBack++;
        await this.#pollBatch(account, rng);
        await sleep(rng.int(200, 600));
        continue;
      }
      const roll = rng.next();
      if (roll < 0.52) await this.#submitNew(account, rng, true);
      else if (roll < 0.59) await this.#submitNew(account, rng, false);
      else if (roll < 0.71) await this.#duplicate(account, rng);
      else if (roll < 0.77) await this.#reuseKey(account, rng);
      else if (roll < 0.84) await this.#cancelOne(account, rng);
      else if (roll < 0.9) await this.#unpayable(account, rng);
      else await this.#readBalance(account);
      await sleep(rng.int(100, 700));
    }
  }

  async drain() {
    while (this.#delayed.size > 0) await Promise.all([...this.#delayed]);
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  async #submitNew(account: ChaosAccount, rng: Rng, withKey: boolean) {
    const submission = this.#makeSubmission(account, rng);
    this.log.submissions++;
    if (!withKey) {
      const reply = await this.#post(account, submission, null);
      if (reply.status === 0 || reply.status >= 500) this.log.unansweredWithoutKey++;
      else this.#noteFinal(account, null, submission, reply);
      return;
    }
    const requestId = `chaos-${randomUUID()}`;
    const reply = await this.#submitKeyed(account, requestId, submission);
    if (reply.status === 202) {
      const list = this.#reusable.get(account.index) ?? [];
      list.push({ requestId, submission });
      this.#reusable.set(account.index, list);
      // Some batches are canceled midway: shortly after admission, while they run or wait.
      if (rng.chance(0.12)) {
        const batch = this.log.admitted.get(reply.body.batch_id);
        if (batch) this.#later(rng.int(50, 2500), () => this.#cancel(account, batch));
      }
    }
    if (reply.status === 402) await this.#maybeTopUp(account, rng);
  }

  /** The same X-Request-ID and body twice at once, then once more: one batch, replays. */
  async #duplicate(account: ChaosAccount, rng: Rng) {
    const submission = this.#makeSubmission(account, rng);
    const requestId = `chaos-dup-${randomUUID()}`;
    this.log.submissions++;
    this.log.duplicateGroups++;
    const concurrent = await Promise.all([
      this.#submitKeyed(account, requestId, submission),
      this.#submitKeyed(account, requestId, submission),
    ]);
    const sequential = await this.#submitKeyed(account, requestId, submission);
    const admitted = [...concurrent, sequential].filter((r) => r.status === 202);
    const ids = new Set(admitted.map((r) => r.body.batch_id));
    const originals = admitted.filter((r) => !r.replayed).length;
    if (ids.size > 1 || originals > 1) {
      this.log.problems.push(
        `X-Request-ID ${requestId} (account ${account.index}) sent 3×: ${originals} original ` +
          `answers naming ${ids.size} batches (${[...ids].join(', ')})`,
      );
    }
  }

  /** A key already answered 202, sent with a different body: 422, and nothing created. */
  async #reuseKey(account: ChaosAccount, rng: Rng) {
    const candidates = this.#reusable.get(account.index) ?? [];
    if (candidates.length === 0) return this.#submitNew(account, rng, true);
    const { requestId, submission } = rng.pick(candidates);
    const changed: Submission = {
      body: {
        ...submission.body,
        items: [...submission.body.items, { prompt: 'one more scene', model: 'sora-2' }],
      },
      requiredCredits: submission.requiredCredits + 10,
    };
    const { final, seen } = await callUntilFinal(
      () => this.#send('POST', '/api/enterprise/video-batch', account, requestId, changed.body),
      RETRY_BUDGET_MS,
    );
    this.log.inProgress += seen.filter((r) => r.status === 409).length;
    if (final.status === 422 && final.body?.error?.code === 'idempotency_key_reused') {
      this.log.reusedKeyRefusals++;
    } else {
      this.log.problems.push(
        `X-Request-ID ${requestId} reused with a different body answered ${final.status} ` +
          `(expected 422 idempotency_key_reused): ${brief(final)}`,
      );
      if (final.status === 202) this.#noteFinal(account, requestId, changed, final);
    }
  }

  /** The batches this account was told were admitted, oldest first. */
  #admittedOf(account: ChaosAccount): AdmittedBatch[] {
    return [...this.log.admitted.values()].filter((b) => b.accountIndex === account.index);
  }

  async #cancelOne(account: ChaosAccount, rng: Rng) {
    const mine = this.#admittedOf(account);
    if (mine.length === 0) return;
    // Mostly recent batches, which are still running.
    const recent = mine.slice(-5);
    await this.#cancel(account, rng.pick(rng.chance(0.8) ? recent : mine));
  }

  async #cancel(account: ChaosAccount, batch: AdmittedBatch) {
    const { final } = await callUntilFinal(
      () =>
        this.#send('POST', `/api/enterprise/video-batch/${batch.batchId}/cancel`, account, null),
      RETRY_BUDGET_MS,
      (r) => r.status === 0 || r.status >= 500 || r.status === 429,
    );
    if (final.status === 200) {
      this.log.cancels.accepted++;
      batch.cancelAccepted = true;
    } else if (final.status === 409 && final.body?.error?.code === 'not_cancellable') {
      this.log.cancels.tooLate++;
    } else if (final.status === 0 || final.status >= 500) {
      this.log.cancels.unanswered++;
      this.log.problems.push(`cancel of ${batch.batchId} got no final answer: ${brief(final)}`);
    } else {
      this.log.problems.push(
        `cancel of ${batch.batchId} answered ${final.status}: ${brief(final)}`,
      );
    }
  }

  /** More than any account of the run holds: 402, and nothing may be left behind. */
  async #unpayable(account: ChaosAccount, rng: Rng) {
    const items = Array.from({ length: UNPAYABLE_ITEMS }, (_, i) => ({
      prompt: `unpayable scene ${i}`,
      model: 'sora-2',
    }));
    const submission: Submission = {
      body: { items, webhook_url: this.options.receiver.urlFor(account.index) },
      requiredCredits: UNPAYABLE_ITEMS * this.#price('sora-2'),
    };
    this.log.submissions++;
    const reply = await this.#submitKeyed(account, `chaos-402-${randomUUID()}`, submission);
    if (reply.status !== 402) {
      this.log.problems.push(
        `a ${submission.requiredCredits}-credit batch answered ${reply.status}: ${brief(reply)}`,
      );
    }
    if (rng.chance(0.2)) await this.#maybeTopUp(account, rng);
  }

  /** Reads one of the account's batches; its figures must agree with each other at any moment. */
  async #pollBatch(account: ChaosAccount, rng: Rng) {
    const mine = this.#admittedOf(account);
    if (mine.length === 0) return;
    const { batchId } = rng.pick(mine);
    const reply = await this.#send('GET', `/api/enterprise/video-batch/${batchId}`, account, null);
    if (reply.status !== 200) return; // the database may be restarting; nothing to judge
    this.log.batchReads++;
    const b = reply.body;
    const finished = b.settlement_status !== 'pending';
    if (
      b.success_count + b.failed_count + b.canceled_count + b.pending_count !== b.total_count ||
      b.net_spent_credits !== b.frozen_credits - b.refunded_credits ||
      b.refunded_credits < 0 ||
      b.refunded_credits > b.frozen_credits ||
      (finished && (b.pending_count !== 0 || b.credits_spent !== b.net_spent_credits))
    ) {
      this.log.problems.push(`batch ${batchId} read with figures that disagree: ${brief(reply)}`);
    }
  }

  async #readBalance(account: ChaosAccount) {
    const reply = await this.#send('GET', '/api/enterprise/balance', account, null);
    if (reply.status !== 200) return; // the database may be restarting; nothing to judge
    this.log.balanceReads++;
    const { balance, reserved_credits: reserved, available_credits: available } = reply.body;
    if (available !== balance - reserved || reserved < 0 || available < 0 || balance < 0) {
      this.log.problems.push(
        `account ${account.index} balance read: balance ${balance}, reserved ${reserved}, ` +
          `available ${available}`,
      );
    }
  }

  /** Finance grants credits to an account that was refused, concurrently with everything else. */
  async #maybeTopUp(account: ChaosAccount, rng: Rng) {
    if (!rng.chance(0.3) || !this.options.databaseUp()) return;
    const credits = rng.int(200, 1500);
    const current = await this.options.db.account
      .findUnique({ where: { id: account.id }, select: { balance: true } })
      .catch(() => null);
    if (!current || current.balance + credits > TOPUP_CEILING) return;
    try {
      await this.options.db.$transaction((tx) =>
        grantCredits(tx, {
          accountId: account.id,
          credits,
          reason: 'Chaos run: finance top-up after a refusal',
          actor: 'chaos:finance',
        }),
      );
      this.log.topups.count++;
      this.log.topups.credits += credits;
    } catch {
      // The database went away mid-insert: the grant may or may not have committed.
      this.log.topups.uncertain++;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Requests and what they answered

  async #submitKeyed(account: ChaosAccount, requestId: string, submission: Submission) {
    const { final, seen } = await callUntilFinal(
      () => this.#post(account, submission, requestId),
      RETRY_BUDGET_MS,
    );
    this.log.inProgress += seen.filter((r) => r.status === 409).length;
    this.#noteFinal(account, requestId, submission, final);
    return final;
  }

  #post(account: ChaosAccount, submission: Submission, requestId: string | null) {
    return this.#send('POST', '/api/enterprise/video-batch', account, requestId, submission.body);
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    account: ChaosAccount,
    requestId: string | null,
    body?: unknown,
  ): Promise<Reply> {
    const reply = await call(this.options.baseUrl, method, path, {
      apiKey: account.apiKey,
      requestId: requestId ?? undefined,
      body,
    });
    this.log.requests++;
    const key = String(reply.status);
    this.log.statuses[key] = (this.log.statuses[key] ?? 0) + 1;
    // A database restart is expected: the API must say so (503 with Retry-After), never fail
    // with a 500 or leave the client guessing when to ask again.
    if (reply.status >= 500) {
      const what = `${method} ${path} (X-Request-ID ${requestId ?? 'none'})`;
      const error = reply.body?.error;
      if (reply.status !== 503) {
        this.log.problems.push(
          `HTTP ${reply.status} on ${what}: ${error?.code ?? ''} ${error?.message ?? JSON.stringify(reply.body)}`,
        );
      } else if (reply.retryAfter === undefined) {
        this.log.problems.push(`HTTP 503 without Retry-After on ${what}`);
      }
    }
    return reply;
  }

  #noteFinal(
    account: ChaosAccount,
    requestId: string | null,
    submission: Submission,
    reply: Reply,
  ) {
    const history = requestId ? this.#history(account, requestId) : null;
    const { body } = reply;
    if (reply.status === 202) {
      if (reply.replayed) this.log.replays++;
      const batchId = body?.batch_id as string;
      const expected = {
        required_credits: submission.requiredCredits,
        total_count: submission.body.items.length,
        status: 'queued',
        ...(requestId ? { request_id: requestId } : {}),
      };
      const wrong = Object.entries(expected).filter(([k, v]) => body?.[k] !== v);
      if (typeof batchId !== 'string' || wrong.length > 0) {
        this.log.problems.push(`a 202 answer does not match its request: ${brief(reply)}`);
      }
      history?.batchIds.add(batchId);
      if (!this.log.admitted.has(batchId)) {
        this.log.admitted.set(batchId, {
          batchId,
          accountIndex: account.index,
          requestId,
          requiredCredits: submission.requiredCredits,
          hasWebhook: submission.body.webhook_url !== undefined,
          cancelAccepted: false,
        });
      }
    } else if (reply.status === 402) {
      this.log.refused++;
      if (history) history.refused = true;
      const fine =
        body?.error?.code === 'insufficient_credits' &&
        body?.required_credits === submission.requiredCredits &&
        body?.available_credits < submission.requiredCredits;
      if (!fine) this.log.problems.push(`a 402 answer does not add up: ${brief(reply)}`);
    } else if (reply.status === 0 || reply.status >= 500 || reply.status === 409) {
      if (history) history.unanswered = true;
      this.log.problems.push(
        `submission ${requestId ?? '(no X-Request-ID)'} got no final answer within ` +
          `${RETRY_BUDGET_MS / 1000} s: ${brief(reply)}`,
      );
    } else {
      this.log.problems.push(`submission answered ${reply.status}: ${brief(reply)}`);
    }
  }

  #history(account: ChaosAccount, requestId: string): KeyHistory {
    const key = `${account.index}:${requestId}`;
    let history = this.log.keys.get(key);
    if (!history) {
      history = {
        accountIndex: account.index,
        requestId,
        batchIds: new Set(),
        refused: false,
        unanswered: false,
      };
      this.log.keys.set(key, history);
    }
    return history;
  }

  // -------------------------------------------------------------------------------------------

  #makeSubmission(account: ChaosAccount, rng: Rng): Submission {
    const count = rng.int(3, 24);
    const mode = rng.next();
    // Some batches are clean (they complete); the others mix every outcome (partial).
    const clean = rng.chance(0.3);
    const [first, second] = this.options.models;
    if (!first || !second) throw new Error('the chaos run needs two models');
    const items = Array.from({ length: count }, (_, i) => {
      const model = mode < 0.75 ? first : mode < 0.85 ? second : rng.pick([first, second]);
      const kind = clean ? (rng.chance(0.15) ? 'flaky' : 'plain') : pickKind(rng);
      const scene = `chaos ${account.index} scene ${i} ${rng.int(0, 1e6)}`;
      return { prompt: kind === 'plain' ? scene : `${scene} [sim:${kind}]`, model: model.id };
    });
    const body: Submission['body'] = { items };
    if (rng.chance(0.7)) body.webhook_url = this.options.receiver.urlFor(account.index);
    if (rng.chance(0.3)) body.metadata = { run: 'chaos', account: String(account.index) };
    const requiredCredits = items.reduce((sum, item) => sum + this.#price(item.model), 0);
    return { body, requiredCredits };
  }

  #price(model: string) {
    const found = this.options.models.find((m) => m.id === model);
    if (!found) throw new Error(`unknown model ${model}`);
    return found.priceCredits;
  }

  #later(delayMs: number, action: () => Promise<void>) {
    const promise: Promise<void> = sleep(delayMs)
      .then(action)
      .finally(() => this.#delayed.delete(promise));
    this.#delayed.add(promise);
  }
}

function pickKind(rng: Rng): Kind {
  let roll = rng.next();
  for (const [kind, weight] of KINDS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'plain';
}

function brief(reply: Reply): string {
  const text = reply.error ?? JSON.stringify(reply.body);
  return `${reply.status} ${String(text).slice(0, 300)}`;
}
