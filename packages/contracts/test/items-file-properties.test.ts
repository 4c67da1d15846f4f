import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FileItemWithModel, parseItemsFile } from '../src/items-file';
import { LIMITS } from '../src/limits';

// What a person may write in a prompt on one line: any text with something visible, no line
// break, no surrounding spaces (CSV cells are trimmed), within the limit.
const prompt = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .map((text) => text.replace(/[\r\n\u2028\u2029]/g, ' ').trim())
  .filter((text) => /\S/.test(text) && Array.from(text).length <= LIMITS.maxPromptChars);

const item: fc.Arbitrary<FileItemWithModel> = fc.record(
  {
    prompt,
    model: fc.constantFrom('sora-2', 'veo-lite', 'm'),
    seconds: fc.integer({ min: 1, max: LIMITS.maxSeconds }),
    size: fc.constantFrom('1280x720', '720x1280', '10x99999'),
  },
  { requiredKeys: ['prompt', 'model'] },
);

/** RFC 4180: every cell quoted, quotes doubled. */
const csvCell = (value: string | number | undefined) =>
  value === undefined ? '' : `"${String(value).replaceAll('"', '""')}"`;

describe('items files, for any items', () => {
  it('a JSON Lines file gives back its items, task #i on line i + 1 (+ blank lines)', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 30 }), fc.boolean(), (items, crlf) => {
        const end = crlf ? '\r\n' : '\n';
        const text = items.map((i) => JSON.stringify(i)).join(`${end}${end}`);
        const file = parseItemsFile(text, { format: 'jsonl' });
        expect(file.problems).toEqual([]);
        expect(file.items).toEqual(items);
        expect(file.lines).toEqual(items.map((_, i) => 2 * i + 1));
      }),
    );
  });

  it('a CSV file gives back its items, task #i on line i + 2', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 30 }), fc.boolean(), (items, crlf) => {
        const end = crlf ? '\r\n' : '\n';
        const rows = items.map((i) => [i.prompt, i.model, i.seconds, i.size].map(csvCell));
        const text = ['prompt,model,seconds,size', ...rows.map((r) => r.join(','))].join(end);
        const file = parseItemsFile(text, { format: 'csv' });
        expect(file.problems).toEqual([]);
        expect(file.items).toEqual(items);
        expect(file.lines).toEqual(items.map((_, i) => i + 2));
      }),
    );
  });

  it('problems come in file order, each on a line of the file', () => {
    const line = fc.oneof(
      item.map((i) => JSON.stringify(i)),
      fc.constantFrom('', '{', '[]', '{"prompt":""}', '{"prompt":"x","model":"m","seconds":0}'),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (lines) => {
        const file = parseItemsFile(lines.join('\n'), { format: 'jsonl' });
        const at = file.problems.map((p) => p.line ?? 0);
        expect(at).toEqual([...at].sort((a, b) => a - b));
        for (const problem of file.problems) {
          if (problem.line !== undefined) expect(lines[problem.line - 1]?.trim()).not.toBe('');
        }
      }),
    );
  });
});
