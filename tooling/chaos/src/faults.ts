import { setTimeout as sleep } from 'node:timers/promises';
import type { Rng } from './rng';

/** One SIGKILL of a worker process, and how long it stays down before it is started again. */
export interface WorkerKill {
  atMs: number;
  worker: number;
  downMs: number;
}

/** The faults of a run, fixed by its seed before it starts. */
export interface FaultPlan {
  kills: WorkerKill[];
  databaseRestart: { atMs: number; downMs: number };
}

/** What the fault runner needs from the system under test. */
export interface FaultTarget {
  workers: number;
  killWorker(worker: number): Promise<void>;
  /** Starts the worker again once the database is up. */
  startWorker(worker: number): Promise<void>;
  /**
   * Stops PostgreSQL for `downMs` and starts it again. Processes that are starting are let finish
   * first (a process needs the database to start; reconnecting is what is tested), and none is
   * started while it is down.
   */
  restartDatabase(downMs: number, stopped: () => void): Promise<void>;
}

export interface FaultLog {
  workerKills: number;
  workerRestarts: number;
  databaseRestarts: number;
  /** What happened when, for the report (ms since the run's start). */
  timeline: string[];
}

export function emptyFaultLog(): FaultLog {
  return { workerKills: 0, workerRestarts: 0, databaseRestarts: 0, timeline: [] };
}

/**
 * Kills at random moments between 10 % and 85 % of the submission window (at least two, one per
 * worker first, then roughly one more per 12 s), each worker down for 0.3–2.5 s; and one
 * database restart between 30 % and 70 % of the window, down for 1–3 s.
 */
export function planFaults(rng: Rng, durationMs: number, workers: number): FaultPlan {
  const count = Math.max(2, Math.round(durationMs / 12_000));
  const kills = Array.from({ length: count }, (_, i) => ({
    atMs: rng.int(Math.round(durationMs * 0.1), Math.round(durationMs * 0.85)),
    worker: i < workers ? i : rng.int(0, workers - 1),
    downMs: rng.int(300, 2500),
  })).sort((a, b) => a.atMs - b.atMs);
  return {
    kills,
    databaseRestart: {
      atMs: rng.int(Math.round(durationMs * 0.3), Math.round(durationMs * 0.7)),
      downMs: rng.int(1000, 3000),
    },
  };
}

/**
 * Carries the plan out against `target`, `startedAt` being the run's time zero: the kills and the
 * database restart on two timelines of their own, so a kill may fall while the database is down.
 * A worker that is still down when its next kill is due is killed as soon as it is back. Resolves
 * once every fault is over (every worker started again, the database up), or early when `signal`
 * aborts.
 */
export async function runFaults(
  plan: FaultPlan,
  target: FaultTarget,
  startedAt: number,
  log: FaultLog,
  signal: AbortSignal,
): Promise<void> {
  const note = (message: string) =>
    log.timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s  ${message}`);
  const until = async (atMs: number) => {
    const wait = startedAt + atMs - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    return !signal.aborted;
  };

  const kills = async () => {
    const back = new Map<number, Promise<void>>();
    for (const kill of plan.kills) {
      if (!(await until(kill.atMs))) break;
      await back.get(kill.worker);
      await target.killWorker(kill.worker);
      log.workerKills++;
      note(`SIGKILL worker-${kill.worker}; restart in ${kill.downMs} ms`);
      back.set(
        kill.worker,
        sleep(kill.downMs).then(async () => {
          if (signal.aborted) return;
          await target.startWorker(kill.worker);
          log.workerRestarts++;
          note(`worker-${kill.worker} started again`);
        }),
      );
    }
    await Promise.all(back.values());
  };

  const databaseRestart = async () => {
    const { atMs, downMs } = plan.databaseRestart;
    if (!(await until(atMs))) return;
    await target.restartDatabase(downMs, () =>
      note(`PostgreSQL stopped (fast shutdown) for ${downMs} ms`),
    );
    log.databaseRestarts++;
    note('PostgreSQL started again');
  };

  await Promise.all([kills(), databaseRestart()]);
}
