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
export async function waitUntilReady(url: string, started: StartedSystem, timeoutMs = 90_000) {
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

/** What the start-up banner (LOG_FORMAT=pretty) tells a person, read back from the output. */
export interface Banner {
  adminUrl: string;
  docsUrl: string;
  email: string | null;
  /** Shown only when the admin was created by this start. */
  password: string | null;
  signInLine: string | null;
  demoKey: string | null;
  databasePort: number | null;
  /** The line saying the default port was taken, if any. */
  portMoved: string | null;
}

/** The banner in `output`, or null when none was printed (yet). */
export function readBanner(output: string): Banner | null {
  const start = output.indexOf('Batchreel is running');
  if (start < 0) return null;
  const text = output.slice(start, output.indexOf('Ctrl-C stops it.', start));
  const row = (label: string) => new RegExp(`^ {2}${label} +(.+)$`, 'm').exec(text)?.[1] ?? null;
  const signInLine = row('Sign in');
  const signIn = /^(\S+@\S+)(?: \/ (\S+))?/.exec(signInLine ?? '');
  return {
    adminUrl: row('Admin') ?? '',
    docsUrl: row('API docs') ?? '',
    email: signIn?.[1] ?? null,
    password: signIn?.[2] ?? null,
    signInLine,
    demoKey: /^(\S+)/.exec(row('Demo key') ?? '')?.[1] ?? null,
    databasePort: Number(/127\.0\.0\.1:(\d+)/.exec(row('Database') ?? '')?.[1]) || null,
    portMoved: /^ +(port \d+ was taken.*)$/m.exec(text)?.[1] ?? null,
  };
}

/** Waits until the process has printed its banner (it does once it listens). */
export async function waitForBanner(started: StartedSystem, timeoutMs = 60_000): Promise<Banner> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const banner = readBanner(started.output());
    if (banner && started.output().includes('Ctrl-C stops it.')) return banner;
    if (started.child.exitCode !== null) {
      throw new Error(`process exited early:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no banner within ${timeoutMs} ms:\n${started.output()}`);
}
