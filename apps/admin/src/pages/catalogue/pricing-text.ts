import { LIMITS } from '@batchreel/contracts';

/** `4, 8, 12`, or `2–10` for a run of whole seconds (as the API describes lengths). */
export function describeSeconds(allowed: readonly number[]): string {
  const sorted = [...allowed].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? 0;
  return sorted.length > 3 && last - first === sorted.length - 1
    ? `${first}–${last}`
    : sorted.join(', ');
}

/** Reads `4, 8, 12` or `2-10` (ranges and lists mixed); null when it is not that. */
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
  return seconds.size > 0 ? [...seconds].sort((a, b) => a - b) : null;
}
