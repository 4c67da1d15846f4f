import { TASK_STATUSES } from '@batchreel/contracts';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BatchreelApiError } from '../errors';
import { balance, type LedgerOptions, ledger } from './account';
import { cancel, results, status, type TasksOptions, tasks } from './batch';
import { resolveBatchId } from './batch-id';
import { type CommandContext, createContext, describeApiError, exitCodeFor } from './context';
import { DEFAULT_API_URL, readEnvironment } from './env';
import { CliError, EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes';
import { budgets, type StatementOptions, statement } from './finance';
import { createIo } from './output';
import { type RetryOptions, retryFailed } from './retry';
import { type SubmitOptions, submit } from './submit';
import { type VerifyOptions, verifyWebhookFile } from './verify';
import { type WatchOptions, watchBatch } from './watch';

function positiveInteger(max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be an integer from 1 to ${max}.`);
    }
    return Number(value);
  };
}

function nonNegativeInteger(value: string) {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds.');
  return Number(value);
}

function seconds(value: string) {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0.1 || parsed > 3600) {
    throw new InvalidArgumentError('must be a number of seconds from 0.1 to 3600.');
  }
  return parsed;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const BATCH_ARGUMENT =
  'the batch id, or a unique start of it (at least 4 characters, e.g. the 8 shown in lists)';

interface JsonFlag {
  json?: boolean;
}

const ENVIRONMENT_HELP = `Environment:
  BATCHREEL_API_URL         API address (default ${DEFAULT_API_URL}); --api-url wins
  BATCHREEL_API_KEY         API key (X-API-Key); --api-key wins
  BATCHREEL_WEBHOOK_SECRET  signing secret for verify-webhook when --secret is not given
  NO_COLOR                  no colours (colours are only used on a terminal anyway)`;

export function buildProgram(ctx: CommandContext, done: (code: ExitCode) => void): Command {
  const program = new Command('batchreel')
    .description(
      'Batch AI-video generation from the command line: submit prompt files, follow batches, download manifests.',
    )
    .option('--api-url <url>', `API address (env BATCHREEL_API_URL, default ${DEFAULT_API_URL})`)
    .option('--api-key <key>', 'API key (env BATCHREEL_API_KEY)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      outputError: (text, write) => write(ctx.io.colorErr.red(text)),
    });

  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<ExitCode>) =>
    async (...args: A) =>
      done(await action(...args));
  // Commands on one batch take its whole id or a unique start of it (the short id lists show).
  const onBatch = <O>(action: (batchId: string, options: O) => Promise<ExitCode>) =>
    run(async (given: string, options: O) => action(await resolveBatchId(ctx, given), options));

  program
    .command('submit')
    .description('Validate a JSONL or CSV file of prompts, show the quote, confirm and submit it.')
    .argument('<file>', '.jsonl (one {"prompt","model","seconds","size"} object per line) or .csv')
    .option('--model <model>', 'model for items that name none, e.g. sora-2')
    .option('--webhook-url <url>', 'where to POST the signed batch events')
    .option('--request-id <id>', 'X-Request-ID idempotency key (default: a new one per run)')
    .option(
      '--metadata <key=value>',
      'metadata echoed on reads and webhooks (repeatable)',
      collect,
      [],
    )
    .option('-y, --yes', 'submit without asking (required without a terminal)')
    .option('--dry-run', 'show the quote only; submit nothing')
    .option('--watch', 'follow the batch until it settles (exit 4 unless it completes cleanly)')
    .addOption(
      new Option('--interval <seconds>', 'seconds between reads with --watch')
        .argParser(seconds)
        .default(2),
    )
    .option('--json', 'machine-readable output on stdout')
    .addHelpText(
      'after',
      `
Examples:
  batchreel submit prompts.jsonl --yes --watch
  batchreel submit prompts.csv --model sora-2 --metadata campaign=spring --request-id spring-001`,
    )
    .action(run((file: string, options: SubmitOptions) => submit(ctx, file, options)));

  program
    .command('status')
    .description('Counts, credits and settlement of a batch.')
    .argument('<batch_id>', BATCH_ARGUMENT)
    .option('--json', 'the batch as JSON')
    .action(onBatch((batchId, options: JsonFlag) => status(ctx, batchId, options)));

  program
    .command('watch')
    .description(
      'Follow a batch until it settles; exit 0 when it completed cleanly, 4 when it settled partial, failed or canceled.',
    )
    .argument('<batch_id>', BATCH_ARGUMENT)
    .addOption(
      new Option('--interval <seconds>', 'seconds between reads').argParser(seconds).default(2),
    )
    .option('--json', 'print the settled batch as JSON')
    .action(onBatch((batchId, options: WatchOptions) => watchBatch(ctx, batchId, options)));

  program
    .command('tasks')
    .description("A batch's tasks in request order: status, prompt, error, video URL.")
    .argument('<batch_id>', BATCH_ARGUMENT)
    .addOption(new Option('--status <status>', 'only tasks in this status').choices(TASK_STATUSES))
    .option('--limit <n>', 'at most this many tasks', positiveInteger(1_000_000))
    .option('--json', 'the tasks as a JSON array')
    .action(onBatch((batchId, options: TasksOptions) => tasks(ctx, batchId, options)));

  program
    .command('results')
    .description(
      'Write the CSV manifest of a batch (index, prompt, status, video_url, error, video_sha256), in request order; with --download, the videos too, each checked against its SHA-256.',
    )
    .argument('<batch_id>', BATCH_ARGUMENT)
    .option('-o, --out <file>', 'where to write the CSV; - for stdout', '-')
    .option(
      '--download <dir>',
      'download every stored video into <dir> as <index>.<ext>, verifying each SHA-256 (exit 8 on a mismatch); re-runs skip verified files',
    )
    .action(
      onBatch((batchId, options: { out: string; download?: string }) =>
        results(ctx, batchId, options),
      ),
    );

  program
    .command('retry-failed')
    .description(
      "Retry a settled batch's failed tasks as a new batch (same prompts and parameters; quoted and admitted like any batch).",
    )
    .argument('<batch_id>', BATCH_ARGUMENT)
    .option('--request-id <id>', 'X-Request-ID idempotency key (default: a new one per run)')
    .option('-y, --yes', 'retry without asking (required without a terminal)')
    .option('--watch', 'follow the new batch until it settles')
    .addOption(
      new Option('--interval <seconds>', 'seconds between reads with --watch')
        .argParser(seconds)
        .default(2),
    )
    .option('--json', 'machine-readable output on stdout')
    .action(onBatch((batchId, options: RetryOptions) => retryFailed(ctx, batchId, options)));

  program
    .command('cancel')
    .description('Cancel a batch: waiting tasks are canceled and refunded, running ones finish.')
    .argument('<batch_id>', BATCH_ARGUMENT)
    .option('--json', 'the batch as JSON')
    .action(onBatch((batchId, options: JsonFlag) => cancel(ctx, batchId, options)));

  program
    .command('balance')
    .description('Balance, reserved and available credits.')
    .option('--json', 'as JSON')
    .action(run((options: JsonFlag) => balance(ctx, options)));

  program
    .command('ledger')
    .description("The account's credit ledger, newest first.")
    .option('--limit <n>', 'entries per page (1–1000)', positiveInteger(1000), 20)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .option('--json', 'the page as JSON')
    .action(run((options: LedgerOptions) => ledger(ctx, options)));

  program
    .command('budgets')
    .description("The account's budget caps and what this month has used of each.")
    .option('--month <YYYY-MM>', 'another month than the current one')
    .option('--json', 'the budgets as JSON')
    .action(run((options: { month?: string; json?: boolean }) => budgets(ctx, options)));

  program
    .command('statement')
    .description(
      'The signed statement of a month: opening and closing balance, top-ups, charges, refunds, adjustments.',
    )
    .argument('<month>', 'YYYY-MM, e.g. 2026-11 (the account’s time zone)')
    .addOption(
      new Option(
        '--format <format>',
        'json (signature inside), csv or pdf (signature in <out>.sig)',
      )
        .choices(['json', 'csv', 'pdf'])
        .default('json'),
    )
    .addOption(new Option('--lang <lang>', 'language of the PDF').choices(['en', 'zh-CN']))
    .option('-o, --out <file>', 'write the statement to a file (- prints the JSON)')
    .addHelpText(
      'after',
      `
Examples:
  batchreel statement 2026-11
  batchreel statement 2026-11 --out statement-2026-11.json
  batchreel statement 2026-11 --format pdf --lang zh-CN --out statement-2026-11.pdf`,
    )
    .action(run((month: string, options: StatementOptions) => statement(ctx, month, options)));

  program
    .command('verify-webhook')
    .description(
      'Check the signature of a saved webhook delivery: a JSON file {"headers": {...}, "body": "<raw body>"}.',
    )
    .argument('<file>')
    .option(
      '--secret <whsec>',
      'signing secret (repeatable during a rotation; env BATCHREEL_WEBHOOK_SECRET)',
      collect,
      [],
    )
    .option(
      '--tolerance-seconds <n>',
      'how old (or new) the webhook-timestamp may be; raise it for old saved deliveries',
      nonNegativeInteger,
      300,
    )
    .option('--json', 'the outcome as JSON')
    .action(run((file: string, options: VerifyOptions) => verifyWebhookFile(ctx, file, options)));

  return program;
}

/** Runs the CLI and resolves with its exit code; every failure is reported here, once. */
export async function runCli(argv: string[]): Promise<ExitCode> {
  const env = readEnvironment();
  const io = createIo(env.noColor);
  let program: Command | undefined;
  const ctx = createContext(io, env, () => program?.opts() ?? {});
  let code: ExitCode = EXIT.ok;
  program = buildProgram(ctx, (result) => {
    code = result;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    const c = io.colorErr;
    if (error instanceof CommanderError) {
      // Help and version are successes; every other parse failure is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(c.red(error.message));
      return error.exitCode;
    }
    if (error instanceof BatchreelApiError) {
      for (const line of describeApiError(error)) io.err(c.red(line));
      return exitCodeFor(error);
    }
    io.err(c.red(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`));
    if (env.debug && error instanceof Error && error.stack) io.err(error.stack);
    return EXIT.error;
  }
}
