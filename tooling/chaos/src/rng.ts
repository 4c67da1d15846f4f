import { createHash, randomInt } from 'node:crypto';

/**
 * A seeded pseudo-random source (mulberry32). The seed fixes every choice the chaos run makes:
 * the fault schedule, and each client loop's actions (each loop forks its own stream, so the
 * choices do not depend on how loops interleave). Timing still varies between runs.
 */
export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An independent stream for one named part of the run. */
  fork(label: string): Rng;
}

/** A fresh seed for a run that was not given one (printed, so the run can be repeated). */
export function randomSeed(): number {
  return randomInt(1, 2 ** 31 - 1);
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const rng: Rng = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick() from an empty list');
      return item;
    },
    fork: (label) =>
      createRng(createHash('sha256').update(`${seed}:${label}`).digest().readUInt32BE(0)),
  };
  return rng;
}
