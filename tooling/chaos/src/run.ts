// `pnpm chaos`: a bounded, self-stopping fault run on this machine (see chaos.ts). Prints its
// seed first and a summary last; exits 0 only when everything settled and nothing was violated.
import { parseArgs } from 'node:util';
import { runChaos } from './chaos';
import { formatReport } from './report';

const USAGE = `usage: pnpm chaos [-- --duration <s>] [--seed <n>] [--accounts <n>] [--settle-timeout <s>]
                  [--max-open-tasks <n>]

  --duration        seconds of submissions (default 60); then it settles, checks and stops
  --seed            repeat a run's random choices (printed at the start of every run)
  --accounts        client accounts (default 6; the last one is poor and mostly refused)
  --settle-timeout  seconds the system gets to settle after the last submission (default 120)
  --max-open-tasks  clients wait while more tasks than this are queued or running (default 1500)`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number (got ${text})\n\n${USAGE}`);
    process.exit(64); // EX_USAGE
  }
  return value;
}

async function main() {
  // `pnpm chaos -- --duration 20` passes the `--` through.
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        duration: { type: 'string' },
        seed: { type: 'string' },
        accounts: { type: 'string' },
        'settle-timeout': { type: 'string' },
        'max-open-tasks': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(64);
  }
  if (values.help) {
    console.info(USAGE);
    return;
  }
  const str = (name: string) => values[name] as string | undefined;
  const seedText = str('seed');
  const seed = seedText === undefined ? undefined : Math.trunc(positive('seed', seedText, 1));

  // Ctrl-C ends the run early; it still stops every process it started and removes its files.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(130);
    console.error(`\n${signal}: stopping the run and cleaning up (again to force)…`);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = (line: string) => console.info(`[chaos] ${line}`);
  const report = await runChaos({
    durationSeconds: positive('duration', str('duration'), 60),
    ...(seed === undefined ? {} : { seed }),
    accounts: Math.trunc(positive('accounts', str('accounts'), 6)),
    settleTimeoutSeconds: positive('settle-timeout', str('settle-timeout'), 120),
    maxOpenTasks: Math.trunc(positive('max-open-tasks', str('max-open-tasks'), 1500)),
    log: started,
    signal: interrupt.signal,
  });
  console.info(formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
