import { problem } from './problems';
import type { ItemRecord, ReadRecords } from './records';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON Lines: one item object per line; blank lines are skipped. */
export function readJsonLines(text: string): ReadRecords {
  const records: ItemRecord[] = [];
  const problems: ReadRecords['problems'] = [];
  // Every non-blank line is an item, so a broken one keeps the task number it would have had.
  let task = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (!/\S/.test(raw)) return;
    const place = { line: index + 1, task: task++ };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(problem('not_json', place));
      return;
    }
    if (!isObject(value)) {
      problems.push(problem(Array.isArray(value) ? 'json_array' : 'not_object', place));
      return;
    }
    records.push({ ...place, fields: value });
  });
  return { records, problems };
}
