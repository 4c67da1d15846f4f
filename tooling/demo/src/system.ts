import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemCommand } from '@batchreel/api/tooling';
import { freePort } from '@batchreel/db';
import { childEnv } from './env';

export interface DemoSystem {
  baseUrl: string;
  /** Known when the demo started the system itself; otherwise printed by `pnpm start`. */
  admin: { email: string; password: string } | null;
  stop(): Promise<void>;
}

async function answers(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1500) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The system the demo talks to: the one answering at `baseUrl`, or — when none answers — a fresh
 * one started here, stopped when the demo ends: embedded PostgreSQL in a temporary directory, the
 * demo data, and otherwise what a plain `pnpm start` has (private networks closed to webhooks;
 * the demo webhook receiver on because the demo data is).
 */
export async function connectOrStart(
  baseUrl: string,
  log: (line: string) => void,
): Promise<DemoSystem> {
  if (await answers(baseUrl)) {
    log(`Using the system already running at ${baseUrl}.`);
    return { baseUrl, admin: null, stop: async () => {} };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'batchreel-demo-'));
  // Run as root, the embedded cluster drops to another user, who must be able to enter the directory.
  await chmod(dataDir, 0o755);
  const port = await freePort();
  // 24 URL-safe characters, as the system generates its own admin passwords.
  const admin = { email: 'admin@batchreel.local', password: randomBytes(18).toString('base64url') };
  log(`No system answers at ${baseUrl}: starting one on port ${port} (data in ${dataDir})…`);
  const { command, args, cwd } = systemCommand();
  const child: ChildProcess = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      EMBEDDED_PG_PORT: String(await freePort()),
      SEED_DEMO: 'true',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // As `pnpm start` has them, whatever this shell says: the demo must work with the defaults.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
      DEMO_WEBHOOK_RECEIVER: '',
      LOG_LEVEL: 'warn',
    }),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const started = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await answers(started))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`The system did not start:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseUrl: started, admin, stop };
}
