// Starts the real Batchreel system (apps/api's `pnpm start` entry: HTTP server, worker, embedded
// PostgreSQL, demo seed) once for the test run, as a child process: a package never imports an
// app's source, so the client is tested the way a customer uses it, over HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the running API, e.g. `http://127.0.0.1:41234`. */
    apiUrl: string;
    /** The API's `DATA_DIR` (its video store is `videos/` in it), for tests that damage a file. */
    dataDir: string;
  }
}

const API_DIR = join(import.meta.dirname, '../../../apps/api');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the API exited before it was ready:\n${output()}`);
    }
    const response = await fetch(`${url}/readyz`).catch(() => null);
    if (response?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`the API was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/** SIGTERM to the whole process group (server and embedded PostgreSQL), SIGKILL if it lingers. */
async function stop(child: ChildProcess) {
  const pid = child.pid;
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  // Anything the server left behind in its group (a postgres backend) goes too.
  signalGroup('SIGKILL');
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'batchreel-client-'));
  // As root, the embedded cluster runs as the `postgres` OS user: let it reach its folder.
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(API_DIR, 'src/main.ts')], {
    cwd: API_DIR,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Always the embedded cluster, even where DATABASE_URL points at a server.
      DATABASE_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
      SIMULATOR_LATENCY_MS: '20',
      SIMULATOR_TIMEOUT_MS: '300',
      TASK_RETRY_BASE_MS: '50',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child, () => output);
  } catch (error) {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  project.provide('apiUrl', url);
  project.provide('dataDir', dataDir);

  return async () => {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  };
}
