import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { BatchreelApiError } from '../errors';
import type { BatchAdmitted, CreateBatchRequest, Quote } from '../types';
import { type CommandContext, insufficientCreditsMessage, toCliError } from './context';
import { userPath } from './env';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import {
  type ItemsFile,
  itemOfDetail,
  problemLine,
  readItemsFile,
  taskLinesSentence,
} from './input';
import { credits, fields, json, n } from './output';
import { followBatch, settledExitCode, summaryLines } from './watch';

export interface SubmitOptions {
  model?: string;
  webhookUrl?: string;
  requestId?: string;
  metadata: string[];
  yes?: boolean;
  dryRun?: boolean;
  watch?: boolean;
  json?: boolean;
  interval: number;
}

/** How many failed tasks `submit --watch` lists with their lines. */
const MAX_FAILED_SHOWN = 20;

/** Attempts of the submit call when the outcome is unknown (no answer, 409 in flight, 429, 5xx). */
const SUBMIT_ATTEMPTS = 4;

/** `--metadata key=value`, repeatable, into the request's `metadata` object. */
export function parseMetadata(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new CliError(`--metadata must be key=value (got "${pair}")`, EXIT.usage);
    }
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

/**
 * A 422 from the API, with each `items[i]` problem pointed at its line in the file and its task
 * number, in file order (problems of the request itself first).
 */
function invalidRequestError(file: ItemsFile, error: BatchreelApiError): CliError {
  const located = error.details.map((detail) => ({
    detail,
    item: itemOfDetail(file, detail.path),
  }));
  const lines = located
    .sort((a, b) => (a.item?.line ?? 0) - (b.item?.line ?? 0))
    .map(({ detail, item }) =>
      item
        ? problemLine(file.label, {
            line: item.line,
            task: item.task,
            message: `${item.field ? `${item.field}: ` : ''}${detail.message}`,
          })
        : `${detail.path || '(request)'}: ${detail.message}`,
    );
  return new CliError(
    [`The API refused the batch: ${error.message}`, ...lines].join('\n'),
    EXIT.usage,
  );
}

/** Failed tasks of a settled batch, each with the line of the file it came from. */
async function failedTaskLines(
  ctx: CommandContext,
  file: ItemsFile,
  batchId: string,
): Promise<string[]> {
  const shown: string[] = [];
  let total = 0;
  for await (const task of ctx.client().tasks(batchId, { status: 'failed', pageSize: 1000 })) {
    total++;
    if (shown.length >= MAX_FAILED_SHOWN) continue;
    const line = file.lines[task.batch_index];
    const error = `${task.error_code ?? 'failed'}${task.error_message ? `: ${task.error_message}` : ''}`;
    shown.push(
      `  task #${task.batch_index}${line === undefined ? '' : ` (${file.label}:${line})`}: ${error}`,
    );
  }
  if (total > shown.length) shown.push(`  … and ${n(total - shown.length)} more`);
  return shown;
}

function quoteLines(ctx: CommandContext, file: ItemsFile, quote: Quote): string[] {
  const c = ctx.io.color;
  const pairs: [string, string][] = [
    ['videos', n(quote.total_count)],
    [
      'cost per video',
      quote.cost_per_video === null ? 'varies by model' : credits(quote.cost_per_video),
    ],
    ['required', c.bold(credits(quote.required_credits))],
    [
      'available',
      `${credits(quote.available_credits)} (balance ${n(quote.balance)}, reserved ${n(quote.reserved_credits)})`,
    ],
  ];
  for (const line of quote.breakdown) {
    if (line.variants && line.price_credits === null) {
      pairs.push([`  ${line.model}`, credits(line.subtotal_credits)]);
      for (const v of line.variants) {
        pairs.push([
          `    ${v.seconds} s at ${v.size}`,
          `${n(v.count)} × ${n(v.credits_per_second)}/s × ${n(v.seconds)} s = ${credits(v.subtotal_credits)}`,
        ]);
      }
      continue;
    }
    pairs.push([
      `  ${line.model}`,
      `${n(line.count)} × ${n(line.price_credits ?? 0)} = ${credits(line.subtotal_credits)}`,
    ]);
  }
  if (!quote.would_admit) pairs.push(['shortfall', c.red(credits(quote.shortfall_credits))]);
  return [`Quote for ${file.label}:`, ...fields(pairs)];
}

export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const prompt = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits with one `X-Request-ID` and retries while the outcome is unknown: the API answers a
 * repeated id with the original batch, so a retry can never create a second one.
 */
async function admit(
  ctx: CommandContext,
  request: CreateBatchRequest,
  requestId: string,
): Promise<{ batch: BatchAdmitted; replayed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.client().createBatch(request, { requestId });
    } catch (error) {
      const retriable =
        error instanceof BatchreelApiError &&
        (error.code === 'network_error' ||
          error.code === 'request_in_progress' ||
          error.status === 429 ||
          error.status >= 500);
      if (!retriable || attempt >= SUBMIT_ATTEMPTS) throw error;
      ctx.io.err(
        `${error.message} Retrying with the same X-Request-ID (${attempt}/${SUBMIT_ATTEMPTS - 1})…`,
      );
      await sleep(500 * 2 ** attempt);
    }
  }
}

/** `batchreel submit <file>`: validate locally, quote, confirm, submit, optionally watch. */
export async function submit(
  ctx: CommandContext,
  path: string,
  options: SubmitOptions,
): Promise<ExitCode> {
  const { io } = ctx;
  // Everything that can be checked without the API is checked before the first request.
  const file = await readItemsFile(path, {
    defaultModel: options.model,
    readFrom: userPath(ctx.env, path),
  });
  const metadata = parseMetadata(options.metadata);
  const interactive = io.stdin.isTTY === true;
  if (!options.yes && !options.dryRun && !interactive) {
    throw new CliError(
      'Not submitting without confirmation: stdin is not a terminal. Pass --yes to submit (or --dry-run to see the quote only).',
      EXIT.usage,
    );
  }
  const request: CreateBatchRequest = {
    items: file.items,
    ...(options.webhookUrl ? { webhook_url: options.webhookUrl } : {}),
    ...(metadata ? { metadata } : {}),
  };
  const client = ctx.client();

  let quote: Quote;
  try {
    quote = await client.quote(request);
  } catch (error) {
    if (error instanceof BatchreelApiError && error.code === 'invalid_request') {
      throw invalidRequestError(file, error);
    }
    throw error;
  }
  if (!options.json) for (const line of quoteLines(ctx, file, quote)) io.out(line);

  if (!quote.would_admit) {
    if (options.json) io.out(json({ quote, batch: null, replayed: false }));
    throw new CliError(
      insufficientCreditsMessage(quote.required_credits, quote.available_credits),
      EXIT.insufficientCredits,
    );
  }
  if (options.dryRun) {
    if (options.json) io.out(json({ quote, batch: null, replayed: false }));
    else io.out('Dry run: nothing submitted.');
    return EXIT.ok;
  }
  if (!options.yes) {
    const question = `Submit ${n(quote.total_count)} videos for ${credits(quote.required_credits)}?`;
    if (!(await confirm(ctx, question))) {
      io.err('Nothing submitted.');
      return EXIT.ok;
    }
  }

  const requestId = options.requestId ?? `cli-${randomUUID()}`;
  let admitted: { batch: BatchAdmitted; replayed: boolean };
  try {
    admitted = await admit(ctx, request, requestId);
  } catch (error) {
    if (error instanceof BatchreelApiError && error.code === 'invalid_request') {
      throw invalidRequestError(file, error);
    }
    if (error instanceof BatchreelApiError) throw toCliError(error);
    throw error;
  }
  const { batch, replayed } = admitted;

  // `file_lines[i]` is the line of the file task #i came from.
  const fileLines = { file: file.label, file_lines: file.lines };
  if (options.json && !options.watch) {
    io.out(json({ quote, batch, replayed, ...fileLines }));
    return EXIT.ok;
  }
  if (!options.json) {
    io.out(
      replayed
        ? `Batch ${batch.batch_id} was already admitted for request id ${requestId} (replayed: nothing new was created or reserved).`
        : `Batch ${batch.batch_id} admitted: ${n(batch.total_count)} videos, ${credits(batch.required_credits)} reserved (request id ${requestId}).`,
    );
    io.out(taskLinesSentence(file));
  } else {
    io.err(`Batch ${batch.batch_id} admitted${replayed ? ' (replayed)' : ''}; watching…`);
  }
  if (!options.watch) {
    io.out(`Follow it: batchreel watch ${batch.batch_id}`);
    return EXIT.ok;
  }
  const settled = await followBatch(ctx, batch.batch_id, {
    interval: options.interval,
    ...(options.json ? { json: true } : {}),
  });
  if (!settled) return EXIT.interrupted;
  if (options.json) io.out(json({ quote, batch, replayed, settled, ...fileLines }));
  else {
    for (const line of summaryLines(ctx, settled)) io.out(line);
    if (settled.failed_count > 0) {
      io.out('Failed:');
      for (const line of await failedTaskLines(ctx, file, batch.batch_id)) io.out(line);
    }
  }
  return settledExitCode(settled);
}
