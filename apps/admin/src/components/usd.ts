/**
 * US dollars held as whole micro-units (`usd_micros`, a millionth of a dollar): the unit
 * provider costs, the credit value and margins are recorded in. Converted by string arithmetic
 * so that what finance reads and types is exactly what the server holds.
 */

function parts(micros: number) {
  const digits = String(Math.abs(micros)).padStart(7, '0');
  return {
    sign: micros < 0 ? '-' : '',
    dollars: digits.slice(0, -6),
    fraction: digits.slice(-6).replace(/0+$/, '').padEnd(2, '0'),
  };
}

/** `480000` → `$0.48`, `-80000` → `-$0.08`, `1234567` → `$1.234567` (no float arithmetic). */
export function usdFromMicros(micros: number): string {
  const { sign, dollars, fraction } = parts(micros);
  return `${sign}$${Number(dollars).toLocaleString('en-US')}.${fraction}`;
}

/** The same amount as typed into a form: `0.02`, `1500.5` (no sign, no grouping). */
export function plainUsd(micros: number): string {
  const { sign, dollars, fraction } = parts(micros);
  return `${sign}${dollars}.${fraction}`;
}

/** The amount typed as dollars (`0.02`, `$1.5`, up to 6 decimals) in micro-units; null if not. */
export function microsFromUsd(text: string): number | null {
  const match = /^\$?\s*(\d{1,9})(?:\.(\d{0,6}))?$/.exec(text.trim());
  if (!match) return null;
  const micros = Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
  return Number.isSafeInteger(micros) ? micros : null;
}

/** Dollars as a plain number, for chart axes only (tables show `usdFromMicros`). */
export const usdForChart = (micros: number) => micros / 1_000_000;
