import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/** Where a command writes and whether it may decorate: colours only on a TTY and without NO_COLOR. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Colours for stdout and for stderr (each depends on its own stream being a terminal). */
  color: Colors;
  colorErr: Colors;
  out(line?: string): void;
  err(line?: string): void;
}

export function createIo(noColor: boolean): Io {
  const { stdout, stderr, stdin } = process;
  return {
    stdout,
    stderr,
    stdin,
    color: pc.createColors(!noColor && stdout.isTTY === true),
    colorErr: pc.createColors(!noColor && stderr.isTTY === true),
    out: (line = '') => stdout.write(`${line}\n`),
    err: (line = '') => stderr.write(`${line}\n`),
  };
}

const integer = new Intl.NumberFormat('en-US');

/** `5000` → `5,000`. */
export const n = (value: number) => integer.format(value);

/** Credits with their unit, singular for 1. */
export const credits = (value: number) => `${n(value)} credit${value === 1 ? '' : 's'}`;

/** Keeps one line, at most `max` characters (an ellipsis marks the cut). */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

/** Printable width of a string, ignoring ANSI colour codes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes on purpose
const visibleLength = (text: string) => Array.from(text.replace(/\x1b\[[0-9;]*m/g, '')).length;

/** A plain text table: columns padded to their widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + ' '.repeat((widths[column] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

/** Label/value pairs aligned on the values. */
export function fields(pairs: [string, string][], indent = '  '): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** Pretty JSON for `--json`. */
export const json = (value: unknown) => JSON.stringify(value, null, 2);
