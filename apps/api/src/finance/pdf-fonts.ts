import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import subsetFont from 'subset-font';

/**
 * Noto Sans SC for PDFs, from the npm package the admin app already uses for its Chinese text
 * (`@fontsource-variable/noto-sans-sc`): Google Fonts' cut of the variable font into ~100 WOFF2
 * files, each covering a range of code points. PDF readers cannot use WOFF2 or a variable font,
 * so each file a document needs is subset to the characters it draws and pinned to one weight by
 * HarfBuzz (`subset-font`), giving a small static TrueType font PDFKit embeds. Works offline.
 */

const require = createRequire(import.meta.url);
const FONT_DIR = dirname(require.resolve('@fontsource-variable/noto-sans-sc/package.json'));

interface Slice {
  file: string;
  ranges: [number, number][];
}

let slices: Slice[] | null = null;

/** `U+4e00-4e0f,U+4e11` → `[[0x4e00, 0x4e0f], [0x4e11, 0x4e11]]`. */
function parseRanges(text: string): [number, number][] {
  return text.split(',').map((part) => {
    const [from, to] = part.trim().replace(/^U\+/i, '').split('-');
    const start = Number.parseInt(from ?? '', 16);
    return [start, to ? Number.parseInt(to, 16) : start];
  });
}

function loadSlices(): Slice[] {
  if (slices) return slices;
  const unicode = JSON.parse(readFileSync(join(FONT_DIR, 'unicode.json'), 'utf8')) as Record<
    string,
    string
  >;
  // Latin first: plain text and digits come from one file, so a number is one run.
  slices = Object.entries(unicode)
    .map(([key, ranges]) => ({
      file: `noto-sans-sc-${key.replace(/^\[(\d+)\]$/, '$1')}-wght-normal.woff2`,
      ranges: parseRanges(ranges),
    }))
    .sort(
      (a, b) => Number(b.file.includes('-latin-wght')) - Number(a.file.includes('-latin-wght')),
    );
  return slices;
}

/** The slice file that draws a code point; null when the font has no glyph for it. */
export function sliceFor(codePoint: number): string | null {
  for (const slice of loadSlices()) {
    if (slice.ranges.some(([from, to]) => codePoint >= from && codePoint <= to)) return slice.file;
  }
  return null;
}

/** A run of text drawn with one slice (null: characters the font lacks, drawn as `?`). */
export interface Run {
  slice: string | null;
  text: string;
}

/** Splits text into runs that one slice each can draw. */
export function runsOf(text: string): Run[] {
  const runs: Run[] = [];
  for (const char of text) {
    const slice = /\s/.test(char)
      ? (runs.at(-1)?.slice ?? sliceFor(32))
      : sliceFor(char.codePointAt(0) ?? 0);
    const last = runs.at(-1);
    if (last && last.slice === slice) last.text += char;
    else runs.push({ slice, text: slice ? char : '?' });
  }
  return runs;
}

/** Static TrueType subsets of the slices, at a weight, for exactly the characters given. */
export async function subsetSlices(
  charsBySlice: Map<string, Set<string>>,
  weight: number,
): Promise<Map<string, Buffer>> {
  const fonts = new Map<string, Buffer>();
  for (const [slice, chars] of charsBySlice) {
    const woff2 = readFileSync(join(FONT_DIR, 'files', slice));
    fonts.set(
      slice,
      await subsetFont(woff2, [...chars].join(''), {
        targetFormat: 'truetype',
        variationAxes: { wght: weight },
      }),
    );
  }
  return fonts;
}
