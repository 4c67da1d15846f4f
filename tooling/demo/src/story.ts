// `pnpm demo`: the 30-minute sales demo as one non-interactive command. It walks the story of
// docs/product.md §5.7 against a running system (or one it starts), through the public REST API only, and
// exits non-zero when any step does not show what it should.
import { randomUUID } from 'node:crypto';
import {
  type Batch,
  BatchreelApiError,
  BatchreelClient,
  type Exchange,
  verifyWebhook,
  WebhookVerificationError,
} from '@batchreel/client';
import { SingleBar } from 'cli-progress';
import pc from 'picocolors';
import { demoEnv } from './env';
import { connectOrStart } from './system';

const env = demoEnv();
const tty = process.stdout.isTTY === true && !env.noColor;
const c = tty ? pc : pc.createColors(false);
const out = (line = '') => process.stdout.write(`${line}\n`);

let failures = 0;
/** One checked fact of the story: printed with ✓ or ✗; a ✗ makes the demo exit non-zero. */
function check(label: string, actual: unknown, expected: unknown) {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  if (!ok) failures++;
  out(
    ok
      ? `  ${c.green('✓')} ${label}: ${c.bold(String(actual))}`
      : `  ${c.red('✗')} ${label}: got ${c.bold(JSON.stringify(actual))}, expected ${JSON.stringify(expected)}`,
  );
}

function step(n: number, title: string) {
  out();
  out(c.bold(c.cyan(`── ${n}. ${title} `.padEnd(78, '─'))));
}

/** Prints an HTTP exchange as a client would see it (long item lists abbreviated). */
function show(exchange: Exchange | undefined) {
  if (!exchange) return;
  const body = exchange.requestBody as { items?: unknown[] } | undefined;
  const shown =
    body?.items && body.items.length > 3
      ? { ...body, items: [...body.items.slice(0, 2), `… ${body.items.length - 2} more items`] }
      : body;
  const headers = Object.entries(exchange.requestHeaders)
    .filter(([name]) => ['x-request-id', 'x-api-key'].includes(name.toLowerCase()))
    .map(([name, value]) => `${name}: ${value}`);
  out(c.dim(`  > ${exchange.method} ${exchange.path}   ${headers.join('   ')}`));
  if (shown !== undefined) out(c.dim(indent(JSON.stringify(shown, null, 2), '  > ')));
  const replayed = exchange.responseHeaders['idempotent-replayed'];
  out(c.dim(`  < ${exchange.status}${replayed ? `   idempotent-replayed: ${replayed}` : ''}`));
  out(indent(JSON.stringify(exchange.responseBody, null, 2), '  < '));
}

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');

/** What the system's demo webhook receiver holds for this account (apps/api/src/demo/receiver.ts). */
interface DemoReceiver {
  url: string;
  receipts: {
    event_id: string;
    event_type: string;
    headers: Record<string, string>;
    body: string;
  }[];
}

/**
 * The system's own demo webhook receiver, or null when it serves none (it does with the demo data
 * or `DEMO_WEBHOOK_RECEIVER=true`). The SSRF guard lets webhooks reach that one endpoint, so a
 * default `pnpm start` delivers to it with private networks still closed to everything else.
 */
async function readDemoReceiver(baseUrl: string, apiKey: string): Promise<DemoReceiver | null> {
  const response = await fetch(`${baseUrl}/demo/webhook-receiver`, {
    headers: { 'x-api-key': apiKey },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET /demo/webhook-receiver answered ${response.status}`);
  return (await response.json()) as DemoReceiver;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const baseUrl = env.apiUrl;
  out(c.bold('Batchreel — batch AI video that finance can sign off on'));
  const system = await connectOrStart(baseUrl, (line) => out(c.dim(line)));
  const receiver = await readDemoReceiver(system.baseUrl, env.apiKey);
  let last: Exchange | undefined;
  const client = new BatchreelClient({
    baseUrl: system.baseUrl,
    apiKey: env.apiKey,
    onExchange: (exchange) => {
      last = exchange;
    },
  });
  try {
    const before = await client.balance();
    out(
      c.dim(
        `Account ${before.account_name}: balance ${before.balance}, available ${before.available_credits} credits.`,
      ),
    );

    // ── 1. One request, one batch, a quote before any work ─────────────────────────────────────
    step(1, 'Submit 20 videos in one request: the quote comes back before any work');
    const requestId = `demo-${randomUUID()}`;
    const items = Array.from({ length: 20 }, (_, i) => ({
      prompt:
        i === 7
          ? 'Drone shot over the Bund at dawn [sim:timeout]'
          : `Product teaser, scene ${i + 1}: a sneaker rotating on a turntable`,
      model: 'sora-2',
    }));
    const request = {
      items,
      metadata: { campaign: 'sales-demo' },
      ...(receiver ? { webhook_url: receiver.url } : {}),
    };
    const admitted = await client.createBatch(request, { requestId });
    show(last);
    const batchId = admitted.batch.batch_id;
    check('cost_per_video', admitted.batch.cost_per_video, 10);
    check('required_credits', admitted.batch.required_credits, 200);
    check(
      'available_credits (before this batch)',
      admitted.batch.available_credits,
      before.available_credits,
    );
    check('status', admitted.batch.status, 'queued');

    // ── 2. A retried request is the same request ───────────────────────────────────────────────
    step(2, 'The same X-Request-ID again (a client retry): the original answer, no second batch');
    const replay = await client.createBatch(request, { requestId });
    show(last);
    check('Idempotent-Replayed', replay.replayed, true);
    check('same batch_id', replay.batch.batch_id, batchId);
    const afterReplay = await client.balance();
    check(
      'credits reserved once (200, not 400)',
      afterReplay.reserved_credits - before.reserved_credits <= 200,
      true,
    );

    // ── 3. Refused before anything runs ───────────────────────────────────────────────────────
    step(3, 'A batch the account cannot pay: 402, and nothing is charged');
    const balanceBefore402 = await client.balance();
    const ledgerBefore402 = await client.ledger({ limit: 1 });
    // 21 videos past what is available: the first batch, still running, may refund up to 200
    // credits during this step, and this one must stay unpayable all the same.
    const tooMany = Math.floor(balanceBefore402.available_credits / 10) + 21;
    if (tooMany > 10_000) {
      out(
        c.yellow(`  (skipped: ${balanceBefore402.available_credits} credits cover 10,000 videos)`),
      );
    } else {
      try {
        await client.createBatch({
          items: Array.from({ length: tooMany }, (_, i) => ({
            prompt: `Extra scene ${i + 1}`,
            model: 'sora-2',
          })),
        });
        check('answer', 'admitted', '402 insufficient_credits');
      } catch (error) {
        if (!(error instanceof BatchreelApiError)) throw error;
        show(last);
        check('status', error.status, 402);
        check('error.code', error.code, 'insufficient_credits');
        check('required_credits', error.requiredCredits, tooMany * 10);
        check('available_credits', error.availableCredits, balanceBefore402.available_credits);
      }
      const balanceAfter402 = await client.balance();
      // The first batch runs meanwhile: its freeze (batch_upfront) and refunds may land during
      // this step. The refusal itself must add no row and move no credit.
      const recent = (await client.ledger({ limit: 50 })).data;
      const headBefore = recent.findIndex((row) => row.id === ledgerBefore402.data[0]?.id);
      const added = headBefore === -1 ? recent : recent.slice(0, headBefore);
      const firstBatchRows = added.filter((row) => row.ref_id === batchId);
      for (const row of firstBatchRows) {
        out(c.dim(`  (meanwhile the first batch: ${row.ref_type} ${row.credits_delta})`));
      }
      const sum = (rows: typeof added) => rows.reduce((total, row) => total + row.credits_delta, 0);
      check('no ledger row from the refusal', added.length - firstBatchRows.length, 0);
      // Measured from the ledger head read before the refusal (its balance_after), not from the
      // balance read a moment earlier: the freeze may land between those two reads.
      check(
        'balance unchanged by the refusal',
        balanceAfter402.balance - sum(firstBatchRows),
        ledgerBefore402.data[0]?.balance_after ?? balanceBefore402.balance,
      );
      // A freeze turns a reservation into a charge (available stays); a refund adds to it.
      check(
        'available unchanged by the refusal',
        balanceAfter402.available_credits -
          sum(firstBatchRows.filter((row) => row.ref_type === 'batch_refund')),
        balanceBefore402.available_credits,
      );
    }

    // ── 4. Follow it live ──────────────────────────────────────────────────────────────────────
    step(4, 'Follow the batch live until it is settled');
    const bar = tty
      ? new SingleBar({
          format: `  {bar} {value}/{total} finished | ${c.green('{ok} ok')} ${c.red('{failed} failed')} | frozen {frozen} | {status}`,
          barCompleteChar: '█',
          barIncompleteChar: '░',
          hideCursor: true,
        })
      : null;
    bar?.start(20, 0, { ok: 0, failed: 0, frozen: 0, status: 'queued' });
    let lastLine = '';
    const settled: Batch = await client.waitForBatch(batchId, {
      intervalMs: 250,
      timeoutMs: 120_000,
      onProgress: (batch) => {
        const finished = batch.total_count - batch.pending_count;
        if (bar) {
          bar.update(finished, {
            ok: batch.success_count,
            failed: batch.failed_count,
            frozen: batch.frozen_credits,
            status: batch.status,
          });
        } else {
          const line = `  ${finished}/${batch.total_count} finished, ${batch.success_count} ok, ${batch.failed_count} failed, frozen ${batch.frozen_credits}, ${batch.status}`;
          if (line !== lastLine) out(line);
          lastLine = line;
        }
      },
    });
    bar?.stop();

    // ── 5. The money story ─────────────────────────────────────────────────────────────────────
    step(5, 'The money: pre-deducted once, the failed video refunded automatically');
    check('success_count', settled.success_count, 19);
    check('failed_count', settled.failed_count, 1);
    check('frozen_credits', settled.frozen_credits, 200);
    check('credits_spent', settled.credits_spent, 190);
    check('refunded_credits', settled.refunded_credits, 10);
    check('net_spent_credits', settled.net_spent_credits, 190);
    check('settlement_status', settled.settlement_status, 'refunded');
    const failedTask = (await client.listTasks(batchId, { status: 'failed' })).data[0];
    check('the failed task', `#${failedTask?.batch_index} ${failedTask?.error_code}`, '#7 timeout');
    const errorMessage = failedTask?.error_message ?? '';
    check('error_message', errorMessage.split(':')[0], 'timeout');
    out(c.dim(`    ${errorMessage}`));
    const ledger = await client.ledger({ limit: 20 });
    const rows = ledger.data.filter((row) => row.ref_id === batchId).reverse();
    out('  Ledger rows of this batch:');
    for (const row of rows) {
      out(
        `    ${row.ref_type.padEnd(14)} ${String(row.credits_delta > 0 ? `+${row.credits_delta}` : row.credits_delta).padStart(6)}   balance after ${row.balance_after}`,
      );
    }
    check(
      'ledger rows',
      rows.map((r) => `${r.ref_type} ${r.credits_delta}`),
      ['batch_upfront -200', 'batch_refund 10'],
    );
    const after = await client.balance();
    check(`balance ${before.balance} → ${after.balance}`, before.balance - after.balance, 190);

    // ── 6. The client's webhook ───────────────────────────────────────────────────────────────
    step(6, 'The webhook the client received, signed (Standard Webhooks)');
    if (!receiver) {
      out(
        c.yellow(
          '  (skipped: this system serves no demo webhook receiver; it does with the demo data, SEED_DEMO=true, or DEMO_WEBHOOK_RECEIVER=true)',
        ),
      );
    } else {
      // The worker delivers after settlement, usually within a second; a busy machine gets a minute.
      const deadline = Date.now() + 60_000;
      let batch = await client.getBatch(batchId);
      let receipt: DemoReceiver['receipts'][number] | undefined;
      let completed: Batch['webhook_deliveries'][number] | undefined;
      for (;;) {
        completed = batch.webhook_deliveries.find((d) => d.event_type === 'batch.completed');
        if (completed?.status === 'delivered') {
          const eventId = completed.event_id;
          const held = await readDemoReceiver(system.baseUrl, env.apiKey);
          receipt = held?.receipts.find((r) => r.event_id === eventId);
        }
        if (receipt || Date.now() > deadline) break;
        await sleep(200);
        batch = await client.getBatch(batchId);
      }
      out(`  Delivery state in GET /video-batch/${batchId.slice(0, 8)}…:`);
      for (const d of batch.webhook_deliveries) {
        out(
          `    ${d.event_type.padEnd(17)} ${d.status.padEnd(10)} ${d.attempt_count} attempt(s), last answer ${d.last_status_code ?? d.last_error ?? '—'}`,
        );
      }
      check('batch.completed received by the demo receiver', receipt !== undefined, true);
      if (receipt) {
        const secret = (await client.webhookSecret()).secret;
        out(c.dim(`  > POST ${receiver.url}`));
        out(c.dim(`  > webhook-id: ${receipt.headers['webhook-id']}`));
        out(c.dim(`  > webhook-timestamp: ${receipt.headers['webhook-timestamp']}`));
        out(c.dim(`  > webhook-signature: ${receipt.headers['webhook-signature']?.slice(0, 30)}…`));
        try {
          // Verified here again, by the client library, over the raw body as it arrived.
          const verified = verifyWebhook<{ type: string; data: Batch }>({
            body: receipt.body,
            headers: receipt.headers,
            secret,
          });
          check('signature verified with the account secret', true, true);
          // The id the batch read lists for its batch.completed delivery is the one that arrived.
          check('event id', verified.id, completed?.event_id);
          check('event type', verified.payload.type, 'batch.completed');
          check(
            'webhook credits_spent / refunded_credits',
            `${verified.payload.data.credits_spent} / ${verified.payload.data.refunded_credits}`,
            '190 / 10',
          );
        } catch (error) {
          if (!(error instanceof WebhookVerificationError)) throw error;
          check('signature verified with the account secret', error.code, 'verified');
        }
      }
    }

    // ── 7. Where finance looks ────────────────────────────────────────────────────────────────
    step(7, 'Where finance reconciles it');
    out(
      `  ${c.bold(`${system.baseUrl}/admin/batches/${batchId}`)}   (Overview with the webhook deliveries, Billing and Tasks tabs)`,
    );
    out(
      system.admin
        ? `  Sign in as ${c.bold(system.admin.email)} / ${c.bold(system.admin.password)}`
        : '  Sign in with the admin e-mail and password that `pnpm start` printed.',
    );
    if (system.admin && tty && process.stdin.isTTY) {
      // A system the demo started lives as long as the demo: keep it up for the admin walkthrough.
      out();
      out(
        c.dim(
          '  This demo system keeps running for the admin walkthrough; press Ctrl-C to stop it.',
        ),
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await system.stop();
  }
  out();
  if (failures > 0) {
    out(c.red(c.bold(`✗ ${failures} check(s) did not show what they should.`)));
    process.exit(1);
  }
  out(c.green(c.bold('✓ Every step showed what it should.')));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
