import { type ChildProcess, spawn } from 'node:child_process';
import { systemCommand } from '@batchreel/api/tooling';
import { childEnv } from './env';

/** How much of a child's output is kept for the report of a failed run. */
const OUTPUT_TAIL_CHARS = 16_000;
/** Error and fatal log lines (pino levels 50 and 60) kept in full, the first ones of each process. */
const MAX_ERROR_LINES = 20;
const ERROR_LINE = /^\{"level":(50|60),/;

export type Role = 'api' | 'worker';

/** One API or worker process: the API's entry point (`src/main.ts --role …`) in its own group. */
export interface RoleProcess {
  readonly name: string;
  readonly role: Role;
  readonly pid: number;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Whether its output has shown `readyLine` (e.g. the worker's 'worker started'). */
  ready(): boolean;
  /** Whether the run ended it on purpose (a fault or the final clean-up). */
  killedOnPurpose(): boolean;
  /** SIGKILL to the whole process group; resolves once it has exited. */
  kill(): Promise<void>;
  /** The last few kilobytes of its stdout and stderr. */
  output(): string;
  /** The first error-level log lines it wrote, whenever it wrote them. */
  errors(): readonly string[];
}

/**
 * Every process the run started, so that clean-up finds them all, whatever went wrong. Each child
 * leads its own process group (`detached`), and is ended through the group: nothing it started
 * can outlive the run.
 */
export class ProcessSet {
  readonly #all: RoleProcess[] = [];

  start(name: string, role: Role, env: Record<string, string>, readyLine?: string): RoleProcess {
    const { command, args, cwd } = systemCommand(['--role', role]);
    const child: ChildProcess = spawn(command, args, {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${name}`);
    let tail = '';
    let ready = readyLine === undefined;
    let partialLine = '';
    const errors: string[] = [];
    const append = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      if (!ready && readyLine !== undefined && tail.includes(readyLine)) ready = true;
      const lines = (partialLine + text).split('\n');
      partialLine = (lines.pop() ?? '').slice(0, OUTPUT_TAIL_CHARS);
      for (const line of lines) {
        if (errors.length < MAX_ERROR_LINES && ERROR_LINE.test(line)) errors.push(line);
      }
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let onPurpose = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        tail += `\n[${name} exited: code ${code}, signal ${signal}]\n`;
        resolve({ code, signal });
      }),
    );
    const alive = () => child.exitCode === null && child.signalCode === null;
    const proc: RoleProcess = {
      name,
      role,
      pid,
      exited,
      alive,
      ready: () => ready,
      killedOnPurpose: () => onPurpose,
      kill: async () => {
        if (alive()) {
          onPurpose = true;
          signalGroup(pid, 'SIGKILL');
        }
        await exited;
      },
      output: () => tail,
      errors: () => errors,
    };
    this.#all.push(proc);
    return proc;
  }

  /** Processes that died without the run ending them (a crash, e.g. on a lost database). */
  unexpectedExits(): RoleProcess[] {
    return this.#all.filter((p) => !p.alive() && !p.killedOnPurpose());
  }

  all(): readonly RoleProcess[] {
    return this.#all;
  }

  /** Ends every process (and its group) still running. */
  async killAll(): Promise<void> {
    await Promise.all(this.#all.map((p) => p.kill()));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already; the leader may still be reaped: signal it directly.
    try {
      process.kill(pid, signal);
    } catch {}
  }
}
