import { LIMITS } from '@batchreel/contracts';

/**
 * `4, 8, 12` as stored (the first is the default for items that give none), or `2–10` for an
 * ascending run of whole seconds.
 */
export function describeSeconds(allowed: readonly number[]): string {
  const first = allowed[0] ?? 0;
  const run = allowed.length > 3 && allowed.every((s, i) => s === first + i);
  return run ? `${first}–${allowed.at(-1)}` : allowed.join(', ');
}

/**
 * Reads `4, 8, 12` or `2-10` (ranges and lists mixed), keeping the order typed: the first length
 * is the default for items that give none. Null when it is not that.
 */
export function parseSeconds(text: string): number[] | null {
  const seconds = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(part);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from < 1 || to < from || to > LIMITS.maxSeconds) return null;
      for (let s = from; s <= to; s++) seconds.add(s);
    } else if (/^\d+$/.test(part) && Number(part) >= 1 && Number(part) <= LIMITS.maxSeconds) {
      seconds.add(Number(part));
    } else {
      return null;
    }
  }
  return seconds.size > 0 ? [...seconds] : null;
}
