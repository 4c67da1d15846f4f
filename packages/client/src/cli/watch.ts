import { Presets, SingleBar } from 'cli-progress';
import type { Batch } from '../types';
import type { CommandContext } from './context';
import { EXIT, type ExitCode } from './exit-codes';
import { credits, json, n } from './output';

/** Without a terminal, a progress line is printed on every change and at least this often. */
const HEARTBEAT_MS = 30_000;

export interface WatchOptions {
  /** Seconds between reads. */
  interval: number;
  json?: boolean;
}

const finished = (batch: Batch) => batch.success_count + batch.failed_count + batch.canceled_count;

function progressLine(batch: Batch): string {
  return [
    `${batch.status}: ${n(finished(batch))}/${n(batch.total_count)} finished`,
    `${n(batch.success_count)} succeeded`,
    `${n(batch.failed_count)} failed`,
    `${n(batch.canceled_count)} canceled`,
    `credits frozen ${n(batch.frozen_credits)}, refunded ${n(batch.refunded_credits)}`,
  ].join(' · ');
}

/** Whether a settled batch is the clean outcome a script waits for. */
export function settledExitCode(batch: Batch): ExitCode {
  return batch.status === 'completed' && batch.failed_count === 0 && batch.canceled_count === 0
    ? EXIT.ok
    : EXIT.batchNotClean;
}

/** The human summary of a settled batch. */
export function summaryLines(ctx: CommandContext, batch: Batch): string[] {
  const c = ctx.io.color;
  const outcome =
    batch.status === 'completed'
      ? c.green(batch.status)
      : batch.status === 'partial'
        ? c.yellow(batch.status)
        : c.red(batch.status);
  const lines = [
    `Batch ${batch.batch_id} ${outcome}: ${n(batch.success_count)} of ${n(batch.total_count)} succeeded, ${n(batch.failed_count)} failed, ${n(batch.canceled_count)} canceled.`,
    `Credits: frozen ${n(batch.frozen_credits)}, spent ${n(batch.credits_spent)}, refunded ${n(batch.refunded_credits)}, net ${credits(batch.net_spent_credits)} (${batch.settlement_status}).`,
  ];
  if (batch.failed_count > 0) {
    lines.push(`Failed tasks: batchreel tasks ${batch.batch_id} --status failed`);
  }
  return lines;
}

/**
 * Follows a batch until it settles: a progress bar on a terminal, plain lines otherwise. Resolves
 * with the settled batch, or `null` when the user stopped watching (Ctrl-C).
 */
export async function followBatch(
  ctx: CommandContext,
  batchId: string,
  options: WatchOptions,
): Promise<Batch | null> {
  const { io } = ctx;
  const interactive = io.stderr.isTTY === true && !options.json;
  const log = options.json ? io.err : io.out;
  const c = io.colorErr;

  let bar: SingleBar | undefined;
  let lastLine = '';
  let lastPrinted = 0;
  const onProgress = (batch: Batch) => {
    if (interactive) {
      const payload = {
        status: batch.status,
        succeeded: c.green(n(batch.success_count)),
        failed: batch.failed_count ? c.red(n(batch.failed_count)) : '0',
        canceled: n(batch.canceled_count),
        credits: `${n(batch.frozen_credits - batch.refunded_credits)} cr`,
      };
      if (!bar) {
        bar = new SingleBar(
          {
            format: `{bar} {value}/{total} finished | {succeeded} ok | {failed} failed | {canceled} canceled | net {credits} | {status}`,
            stream: io.stderr,
            hideCursor: true,
            barsize: 30,
            etaBuffer: 20,
          },
          Presets.shades_classic,
        );
        bar.start(batch.total_count, finished(batch), payload);
      } else {
        bar.update(finished(batch), payload);
      }
      return;
    }
    const line = progressLine(batch);
    if (line !== lastLine || Date.now() - lastPrinted >= HEARTBEAT_MS) {
      log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
      lastLine = line;
      lastPrinted = Date.now();
    }
  };

  // Ctrl-C stops watching (the batch itself keeps running) and leaves the terminal tidy.
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let batch: Batch;
  try {
    batch = await ctx.client().waitForBatch(batchId, {
      intervalMs: Math.max(100, Math.round(options.interval * 1000)),
      onProgress,
      signal: abort.signal,
    });
  } catch (error) {
    bar?.stop();
    if (abort.signal.aborted) {
      io.err(`Stopped watching ${batchId}; the batch keeps running.`);
      return null;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  bar?.stop();
  return batch;
}

/**
 * `batchreel watch`: follows the batch, then prints the summary (or the batch as JSON). Resolves
 * with the exit code: 0 for a clean `completed`, 4 for anything else, 130 when interrupted.
 */
export async function watchBatch(
  ctx: CommandContext,
  batchId: string,
  options: WatchOptions,
): Promise<ExitCode> {
  const batch = await followBatch(ctx, batchId, options);
  if (!batch) return EXIT.interrupted;
  if (options.json) ctx.io.out(json(batch));
  else for (const line of summaryLines(ctx, batch)) ctx.io.out(line);
  return settledExitCode(batch);
}
