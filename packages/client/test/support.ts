import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { BatchreelApiError, BatchreelClient } from '../src/index';

export const API_KEY = 'demo-key';
export const MODEL = 'sora-2';
export const PRICE = 10;

export const apiUrl = () => inject('apiUrl');

export const client = (options: { apiKey?: string } = {}) =>
  new BatchreelClient({ baseUrl: apiUrl(), apiKey: options.apiKey ?? API_KEY });

const BIN = join(import.meta.dirname, '../bin/batchreel.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a terminal (stdin is a pipe closed at once) against the test API. */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      // A clean environment: no INIT_CWD or npm_* variables from the test runner's own pnpm.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        BATCHREEL_API_URL: apiUrl(),
        BATCHREEL_API_KEY: API_KEY,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the real `batchreel` binary as a customer would, without a terminal (stdin is a pipe that
 * is closed at once), against the test API unless `env` says otherwise.
 */
export function cli(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
): Promise<CliResult> {
  return run(process.execPath, [BIN, ...args], { ...options, env });
}

/** The repository root: where `pnpm batchreel` is defined. */
export const REPO_ROOT = join(import.meta.dirname, '../../..');

/** Runs `pnpm <args>` in `cwd`, as a person would type it there. */
export function pnpm(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return run('pnpm', args, options);
}

/** A scratch folder for input and output files. */
export async function scratch() {
  const dir = await mkdtemp(join(tmpdir(), 'batchreel-cli-'));
  return {
    dir,
    async file(name: string, content: string) {
      const path = join(dir, name);
      await writeFile(path, content, 'utf8');
      return path;
    },
    path: (name: string) => join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** JSON Lines of `count` prompts; `extra(i)` may add fields or replace the prompt. */
export function jsonl(
  count: number,
  item: (i: number) => Record<string, unknown> = (i) => ({ prompt: `Video ${i}`, model: MODEL }),
) {
  return `${Array.from({ length: count }, (_, i) => JSON.stringify(item(i))).join('\n')}\n`;
}

/** The batch id a `submit` printed. */
export function batchIdOf(output: string): string {
  const match = /Batch ([0-9a-f-]{36})/.exec(output);
  if (!match?.[1]) throw new Error(`no batch id in:\n${output}`);
  return match[1];
}

/** An HTTP server that records every request it gets and answers 204 (a webhook receiver). */
export async function recordingServer() {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] =
    [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An address where nothing listens (the port was free a moment ago): connections are refused. */
export async function unreachableUrl() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** What a test compares to prove that nothing was created, reserved or charged. */
export async function moneySnapshot() {
  const api = client();
  const balance = await api.balance();
  const ledger = await api.ledger({ limit: 1 });
  return {
    balance: balance.balance,
    reserved: balance.reserved_credits,
    available: balance.available_credits,
    newestLedgerEntry: ledger.data[0]?.id,
  };
}

/** What `promise` rejected with, which must be a `BatchreelApiError`. */
export async function rejection(promise: Promise<unknown>): Promise<BatchreelApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BatchreelApiError);
  return error as BatchreelApiError;
}
