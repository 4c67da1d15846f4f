import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TaskStatus } from '@batchreel/contracts';
import { stringify } from 'csv-stringify/sync';
import type { Batch, Task } from '../types';
import type { CommandContext } from './context';
import { downloadVideos } from './download';
import { userPath } from './env';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { credits, fields, json, n, table, truncate } from './output';
import { summaryLines } from './watch';

/** The most tasks one page may hold: fewer round trips for whole-batch reads. */
const PAGE_SIZE = 1000;
const PROMPT_WIDTH = 40;
const ERROR_WIDTH = 60;

const taskError = (task: Task) =>
  task.error_code ? `${task.error_code}${task.error_message ? `: ${task.error_message}` : ''}` : '';

async function allTasks(
  ctx: CommandContext,
  batchId: string,
  status?: TaskStatus,
  limit?: number,
): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const task of ctx
    .client()
    .tasks(batchId, { pageSize: PAGE_SIZE, ...(status ? { status } : {}) })) {
    tasks.push(task);
    if (limit !== undefined && tasks.length >= limit) break;
  }
  return tasks;
}

function statusLines(ctx: CommandContext, batch: Batch): string[] {
  const c = ctx.io.color;
  const time = (value: string | null) => value ?? '—';
  const pairs: [string, string][] = [
    ['status', c.bold(batch.status)],
    [
      'tasks',
      `${n(batch.total_count)} total · ${n(batch.success_count)} succeeded · ${n(batch.failed_count)} failed · ${n(batch.canceled_count)} canceled · ${n(batch.pending_count)} pending`,
    ],
    [
      'credits',
      // Until settled, spent and refunded are figures so far and part of the freeze is still held.
      batch.settlement_status === 'pending'
        ? `required ${n(batch.required_credits)} · frozen ${n(batch.frozen_credits)} · spent so far ${n(batch.credits_spent)} · refunded so far ${n(batch.refunded_credits)} · still frozen ${n(batch.pending_credits)}`
        : `required ${n(batch.required_credits)} · frozen ${n(batch.frozen_credits)} · spent ${n(batch.credits_spent)} · refunded ${n(batch.refunded_credits)} · net ${n(batch.net_spent_credits)}`,
    ],
    ['settlement', batch.settlement_status],
    [
      'cost per video',
      batch.cost_per_video === null ? 'varies by model' : credits(batch.cost_per_video),
    ],
    ['request id', batch.request_id ?? '—'],
    ['created', time(batch.created_at)],
    ['started', time(batch.started_at)],
    ['finished', time(batch.finished_at)],
    ['settled', time(batch.settled_at)],
  ];
  if (batch.webhook_url) pairs.push(['webhook', batch.webhook_url]);
  if (batch.metadata && Object.keys(batch.metadata).length > 0) {
    pairs.push([
      'metadata',
      Object.entries(batch.metadata)
        .map(([key, value]) => `${key}=${value}`)
        .join(' '),
    ]);
  }
  return [`Batch ${batch.batch_id}`, ...fields(pairs)];
}

/** `batchreel status <batch_id>`. */
export async function status(
  ctx: CommandContext,
  batchId: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  const batch = await ctx.client().getBatch(batchId);
  if (options.json) ctx.io.out(json(batch));
  else for (const line of statusLines(ctx, batch)) ctx.io.out(line);
  return EXIT.ok;
}

/** `batchreel cancel <batch_id>`. */
export async function cancel(
  ctx: CommandContext,
  batchId: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  const batch = await ctx.client().cancelBatch(batchId);
  if (options.json) ctx.io.out(json(batch));
  else {
    ctx.io.out(
      `Batch ${batch.batch_id} canceled: ${n(batch.canceled_count)} waiting tasks canceled and refunded; ${n(batch.pending_count)} still running will finish.`,
    );
    if (batch.settlement_status !== 'pending') {
      for (const line of summaryLines(ctx, batch)) ctx.io.out(line);
    }
  }
  return EXIT.ok;
}

/** `batchreel tasks <batch_id>`: a table (or JSON) of the batch's tasks in request order. */
export interface TasksOptions {
  status?: TaskStatus;
  limit?: number;
  json?: boolean;
}

export async function tasks(
  ctx: CommandContext,
  batchId: string,
  options: TasksOptions,
): Promise<ExitCode> {
  const found = await allTasks(ctx, batchId, options.status, options.limit);
  if (options.json) {
    ctx.io.out(json(found));
    return EXIT.ok;
  }
  if (found.length === 0) {
    ctx.io.out(options.status ? `No ${options.status} tasks.` : 'No tasks.');
    return EXIT.ok;
  }
  const c = ctx.io.color;
  const paint = (status: TaskStatus) =>
    status === 'succeeded'
      ? c.green(status)
      : status === 'failed'
        ? c.red(status)
        : status === 'canceled'
          ? c.yellow(status)
          : status;
  const rows = found.map((task) => [
    String(task.batch_index),
    paint(task.status),
    truncate(task.prompt, PROMPT_WIDTH),
    truncate(taskError(task), ERROR_WIDTH),
    task.video_url ?? '',
  ]);
  for (const line of table(['index', 'status', 'prompt', 'error', 'video url'], rows)) {
    ctx.io.out(line);
  }
  return EXIT.ok;
}

export const MANIFEST_COLUMNS = [
  'index',
  'prompt',
  'status',
  'video_url',
  'error',
  'video_sha256',
] as const;

/** The CSV manifest of a batch: one row per task, in request order. */
export function manifestCsv(found: Task[]): string {
  const rows = [...found]
    .sort((a, b) => a.batch_index - b.batch_index)
    .map((task) => ({
      index: task.batch_index,
      prompt: task.prompt,
      status: task.status,
      video_url: task.video_url ?? '',
      error: taskError(task),
      video_sha256: task.video_sha256 ?? '',
    }));
  return stringify(rows, { header: true, columns: [...MANIFEST_COLUMNS] });
}

/**
 * `batchreel results <batch_id> --out manifest.csv` (`-` for stdout); with `--download <dir>`,
 * every stored video too, each checked against its SHA-256 (exit 8 when one does not match).
 */
export async function results(
  ctx: CommandContext,
  batchId: string,
  options: { out: string; download?: string },
): Promise<ExitCode> {
  const batch = await ctx.client().getBatch(batchId);
  const found = await allTasks(ctx, batchId);
  if (options.download) {
    const report = await downloadVideos(ctx, found, userPath(ctx.env, options.download));
    if (report.mismatched.length > 0 || report.failed.length > 0) {
      for (const line of [...report.mismatched, ...report.failed]) ctx.io.err(line);
    }
    if (report.mismatched.length > 0) {
      throw new CliError(
        `${n(report.mismatched.length)} video(s) did not match their SHA-256 and were not kept.`,
        EXIT.checksumMismatch,
      );
    }
    if (report.failed.length > 0) {
      throw new CliError(
        `${n(report.failed.length)} video(s) could not be downloaded.`,
        EXIT.error,
      );
    }
  }
  const csv = manifestCsv(found);
  if (batch.settlement_status === 'pending') {
    ctx.io.err(
      `Note: batch ${batchId} is still ${batch.status}; the manifest shows its tasks as they are now.`,
    );
  }
  const summary = `${n(found.length)} rows (${n(batch.success_count)} succeeded, ${n(batch.failed_count)} failed, ${n(batch.canceled_count)} canceled)`;
  if (options.out === '-') {
    ctx.io.stdout.write(csv);
    ctx.io.err(`Wrote ${summary}.`);
    return EXIT.ok;
  }
  // Write beside the target and rename, so a reader never sees half a manifest.
  const target = userPath(ctx.env, options.out);
  const temporary = join(dirname(target), `.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, csv, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  ctx.io.out(`Wrote ${summary} to ${options.out}.`);
  return EXIT.ok;
}
