import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const API_DIR = join(import.meta.dirname, '../..');

export interface StartedSystem {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output: () => string;
}

/**
 * Runs the built system (`dist/main.js`, what `pnpm start` runs after building) as its own
 * process, with this process's environment minus DATABASE_URL, plus `env`.
 */
export function startSystem(env: Record<string, string>, args: string[] = []): StartedSystem {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js', ...args], {
    cwd: API_DIR,
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

/** Polls `/readyz` until it answers 200; returns when. Fails early if the process exits. */
export async function waitUntilReady(url: string, started: StartedSystem, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null)
      throw new Error(`process exited early:\n${started.output()}`);
    const response = await fetch(`${url}/readyz`).catch(() => null);
    if (response?.status === 200) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${started.output()}`);
}

/** Resolves with the exit code once the process has exited. */
export function exitOf(started: StartedSystem): Promise<number | null> {
  if (started.child.exitCode !== null) return Promise.resolve(started.child.exitCode);
  return new Promise((resolve) => started.child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, as a supervisor stops it; resolves with the exit code. */
export async function stopSystem(started: StartedSystem) {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = exitOf(started);
  started.child.kill('SIGTERM');
  return exited;
}
