// The browser build of csv-parse: one self-contained module that runs the same in Node and in
// the admin's bundle, so the CLI and the admin read a file identically.
import { CsvError, parse } from 'csv-parse/browser/esm/sync';
import { ITEM_FIELDS } from '../limits';
import { type ItemsFileProblem, problem } from './problems';
import type { ReadRecords } from './records';

type CsvRow = { record: string[]; info: { lines: number } };
const CSV_OPTIONS = { bom: true, info: true, skip_empty_lines: true, trim: true } as const;

const isItemField = (name: string) => (ITEM_FIELDS as readonly string[]).includes(name);

/**
 * CSV with a header row naming the columns (`prompt`, and any of `model`, `seconds`, `size`, in
 * any order and case). Cells are trimmed; an empty cell means "not given". Blank lines are
 * skipped; quoted cells may span lines, and a record's line is the one it ends on.
 */
export function readCsv(text: string): ReadRecords {
  let rows: CsvRow[];
  let syntaxError: { line: number; reason: string } | undefined;
  try {
    rows = parse(text, CSV_OPTIONS) as CsvRow[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser stops at the first broken row: the rows before it are still checked, so that
    // every problem up to that line is reported, in file order.
    const line = (error as CsvError & { lines?: number }).lines ?? 1;
    syntaxError = { line, reason: error.message.replace(/^[^:]+: /, '') };
    rows = line > 1 ? (parse(text, { ...CSV_OPTIONS, to_line: line - 1 }) as CsvRow[]) : [];
  }
  const [header, ...body] = rows;
  if (!header) {
    return {
      records: [],
      problems: [],
      fatal: [
        syntaxError
          ? problem('not_csv', { line: syntaxError.line }, { reason: syntaxError.reason })
          : problem('empty', {}),
      ],
    };
  }
  const headerLine = header.info.lines;
  const columns = header.record.map((name) => name.trim().toLowerCase());
  const headerProblems: ItemsFileProblem[] = [];
  for (const column of columns) {
    if (!isItemField(column)) {
      headerProblems.push(problem('unknown_column', { line: headerLine }, { column }));
    }
  }
  if (!columns.includes('prompt')) {
    headerProblems.push(problem('no_prompt_column', { line: headerLine }));
  }
  if (headerProblems.length > 0) return { records: [], problems: [], fatal: headerProblems };

  const problems: ItemsFileProblem[] = [];
  if (syntaxError) {
    const place = { line: syntaxError.line, task: body.length };
    problems.push(problem('not_csv', place, { reason: syntaxError.reason }));
  }
  const records = body.map(({ record, info }, task) => {
    const fields: Record<string, unknown> = {};
    columns.forEach((name, column) => {
      const cell = record[column] ?? '';
      if (cell === '') return; // an empty cell means "not given" (the model's default)
      if (name === 'seconds') fields.seconds = /^\d+$/.test(cell) ? Number(cell) : cell;
      else fields[name] = cell;
    });
    return { line: info.lines, task, fields };
  });
  return { records, problems };
}
