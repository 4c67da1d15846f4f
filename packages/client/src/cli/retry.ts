import { randomUUID } from 'node:crypto';
import { BatchreelApiError } from '../errors';
import type { CommandContext } from './context';
import { toCliError } from './context';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { credits, json, n } from './output';
import { confirm } from './submit';
import { followBatch, settledExitCode, summaryLines } from './watch';

export interface RetryOptions {
  requestId?: string;
  yes?: boolean;
  watch?: boolean;
  json?: boolean;
  interval: number;
}

/**
 * `batchreel retry-failed <batch_id>`: the settled batch's failed tasks, again, as a new batch
 * (quoted and admitted like any: exit 3 when the account cannot pay), idempotent on
 * `--request-id`.
 */
export async function retryFailed(
  ctx: CommandContext,
  batchId: string,
  options: RetryOptions,
): Promise<ExitCode> {
  const { io } = ctx;
  const original = await ctx.client().getBatch(batchId);
  if (!options.yes) {
    if (io.stdin.isTTY !== true) {
      throw new CliError(
        'Not retrying without confirmation: stdin is not a terminal. Pass --yes.',
        EXIT.usage,
      );
    }
    const question = `Retry the ${n(original.failed_count)} failed tasks of batch ${batchId} as a new batch?`;
    if (!(await confirm(ctx, question))) {
      io.err('Nothing submitted.');
      return EXIT.ok;
    }
  }
  const requestId = options.requestId ?? `cli-retry-${randomUUID()}`;
  let answer: Awaited<ReturnType<ReturnType<CommandContext['client']>['retryFailed']>>;
  try {
    answer = await ctx.client().retryFailed(batchId, { requestId });
  } catch (error) {
    if (error instanceof BatchreelApiError) throw toCliError(error);
    throw error;
  }
  const { batch, replayed } = answer;
  if (options.json && !options.watch) {
    io.out(json({ batch, replayed }));
    return EXIT.ok;
  }
  if (!options.json) {
    io.out(
      replayed
        ? `Retry batch ${batch.batch_id} was already admitted for request id ${requestId} (replayed: nothing new was created).`
        : `Retry batch ${batch.batch_id} admitted: ${n(batch.total_count)} failed tasks of ${batchId} again, ${credits(batch.required_credits)} reserved (request id ${requestId}).`,
    );
  }
  if (!options.watch) {
    if (!options.json) io.out(`Follow it: batchreel watch ${batch.batch_id}`);
    return EXIT.ok;
  }
  const settled = await followBatch(ctx, batch.batch_id, {
    interval: options.interval,
    ...(options.json ? { json: true } : {}),
  });
  if (!settled) return EXIT.interrupted;
  if (options.json) io.out(json({ batch, replayed, settled }));
  else for (const line of summaryLines(ctx, settled)) io.out(line);
  return settledExitCode(settled);
}
