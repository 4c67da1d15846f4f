import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { VideoItem } from '../types';
import { CliError, EXIT } from './exit-codes';
import { n } from './output';

/** The API's limits, checked locally so a bad file fails before anything is sent. */
export const ITEM_LIMITS = { maxItems: 10_000, maxPromptChars: 2_000, maxSeconds: 600 } as const;

const ITEM_FIELDS = ['prompt', 'model', 'seconds', 'size'] as const;
const SIZE_PATTERN = /^\d{2,5}x\d{2,5}$/;
/** How many problems one error message lists before summarising the rest. */
const MAX_REPORTED = 10;

/**
 * The items of a file, and the line each came from (to point server-side problems at lines).
 * Item `i` becomes task `#i` (its `batch_index`); `lines[i]` is its 1-based line in the file.
 */
export interface ItemsFile {
  /** What messages call the file (its name as given). */
  label: string;
  format: Format;
  items: VideoItem[];
  lines: number[];
}

interface Problem {
  line: number;
  /** The task number (`batch_index`) the line's item gets; none for a header problem. */
  task?: number;
  message: string;
}

/** `prompts.csv:9: task #7: missing prompt`, the form every file problem is reported in. */
export function problemLine(label: string, problem: Problem): string {
  const task = problem.task === undefined ? '' : `task #${problem.task}: `;
  return `${label}:${problem.line}: ${task}${problem.message}`;
}

type Format = 'jsonl' | 'csv';

function formatOf(path: string): Format {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';
  if (extension === '.csv') return 'csv';
  throw new CliError(
    `${path}: cannot tell the format from the extension "${extension}": use .jsonl (one JSON object per line) or .csv (a header row with prompt, model, seconds, size).`,
    EXIT.usage,
  );
}

/** Reports problems in file order (by line; a line's own problems in the order found). */
function fail(label: string, problems: Problem[]): never {
  const shown = [...problems]
    .sort((a, b) => a.line - b.line)
    .slice(0, MAX_REPORTED)
    .map((problem) => problemLine(label, problem));
  if (problems.length > MAX_REPORTED) {
    shown.push(`… and ${n(problems.length - MAX_REPORTED)} more problems`);
  }
  throw new CliError(shown.join('\n'), EXIT.usage);
}

/**
 * Checks one item the way the API will (shape, types, limits), so that a malformed file fails
 * locally with its line number. Returns the item or the problems found.
 */
function checkItem(
  fields: Record<string, unknown>,
  defaultModel: string | undefined,
): VideoItem | string[] {
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!(ITEM_FIELDS as readonly string[]).includes(key)) {
      problems.push(`unknown field "${key}" (expected ${ITEM_FIELDS.join(', ')})`);
    }
  }
  const { prompt, seconds, size } = fields;
  const model = fields.model ?? defaultModel;
  if (prompt === undefined || prompt === null) problems.push('missing prompt');
  else if (typeof prompt !== 'string') problems.push('prompt must be a string');
  else if (!/\S/.test(prompt)) problems.push('prompt is empty');
  else if (Array.from(prompt).length > ITEM_LIMITS.maxPromptChars) {
    problems.push(`prompt is longer than ${n(ITEM_LIMITS.maxPromptChars)} characters`);
  }
  if (model === undefined || model === null) {
    problems.push('missing model (give one per item, or pass --model)');
  } else if (typeof model !== 'string') problems.push('model must be a string');
  else if (model.length === 0) problems.push('model is empty');
  if (seconds !== undefined && seconds !== null) {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
      problems.push('seconds must be an integer');
    } else if (seconds <= 0 || seconds > ITEM_LIMITS.maxSeconds) {
      problems.push(`seconds must be between 1 and ${ITEM_LIMITS.maxSeconds}`);
    }
  }
  if (size !== undefined && size !== null) {
    if (typeof size !== 'string') problems.push('size must be a string');
    else if (!SIZE_PATTERN.test(size)) problems.push('size must be WIDTHxHEIGHT, e.g. 1280x720');
  }
  if (problems.length > 0) return problems;
  const item: VideoItem = { prompt: prompt as string, model: model as string };
  if (typeof seconds === 'number') item.seconds = seconds;
  if (typeof size === 'string') item.size = size;
  return item;
}

interface ItemRecord {
  line: number;
  task: number;
  fields: Record<string, unknown>;
}

/** Checks every record; the problems found are added to `problems`. */
function checkRecords(
  records: ItemRecord[],
  defaultModel: string | undefined,
  problems: Problem[],
): { items: VideoItem[]; lines: number[] } {
  const items: VideoItem[] = [];
  const lines: number[] = [];
  for (const { line, task, fields } of records) {
    const checked = checkItem(fields, defaultModel);
    if (Array.isArray(checked)) {
      for (const message of checked) problems.push({ line, task, message });
    } else {
      items.push(checked);
      lines.push(line);
    }
  }
  return { items, lines };
}

function collect(
  label: string,
  format: Format,
  records: ItemRecord[],
  defaultModel: string | undefined,
  problems: Problem[],
): ItemsFile {
  const { items, lines } = checkRecords(records, defaultModel, problems);
  if (problems.length > 0) fail(label, problems);
  if (items.length === 0) {
    throw new CliError(`${label}: no items (the file is empty)`, EXIT.usage);
  }
  if (items.length > ITEM_LIMITS.maxItems) {
    throw new CliError(
      `${label}: ${n(items.length)} items, but a batch holds at most ${n(ITEM_LIMITS.maxItems)}: split the file.`,
      EXIT.usage,
    );
  }
  return { label, format, items, lines };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJsonLines(label: string, text: string, defaultModel: string | undefined): ItemsFile {
  const records: ItemRecord[] = [];
  const problems: Problem[] = [];
  // Every non-blank line is an item, so a broken one keeps the task number it would have had.
  let task = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (!/\S/.test(raw)) return;
    const line = index + 1;
    const position = task++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push({ line, task: position, message: 'not valid JSON' });
      return;
    }
    if (!isObject(value)) {
      problems.push({
        line,
        task: position,
        message: Array.isArray(value)
          ? 'a JSON array: put one item object per line (JSON Lines)'
          : 'must be a JSON object like {"prompt": "…", "model": "…"}',
      });
      return;
    }
    records.push({ line, task: position, fields: value });
  });
  return collect(label, 'jsonl', records, defaultModel, problems);
}

type CsvRow = { record: string[]; info: { lines: number } };
const CSV_OPTIONS = { bom: true, info: true, skip_empty_lines: true, trim: true } as const;

function parseCsvFile(label: string, text: string, defaultModel: string | undefined): ItemsFile {
  let rows: CsvRow[];
  let syntaxError: Problem | undefined;
  try {
    rows = parseCsv(text, CSV_OPTIONS);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser stops at the first broken row: the rows before it are still checked, so that
    // every problem up to that line is reported, in file order.
    const line = (error as CsvError & { lines?: number }).lines ?? 1;
    syntaxError = { line, message: `not valid CSV: ${error.message.replace(/^[^:]+: /, '')}` };
    rows = line > 1 ? parseCsv(text, { ...CSV_OPTIONS, to_line: line - 1 }) : [];
  }
  const [header, ...body] = rows;
  if (syntaxError && !header) fail(label, [syntaxError]);
  if (!header) throw new CliError(`${label}: no items (the file is empty)`, EXIT.usage);
  const headerLine = header.info.lines;
  const columns = header.record.map((name) => name.trim().toLowerCase());
  const headerProblems: Problem[] = [];
  for (const name of columns) {
    if (!(ITEM_FIELDS as readonly string[]).includes(name)) {
      headerProblems.push({
        line: headerLine,
        message: `unknown column "${name}" (the header row names ${ITEM_FIELDS.join(', ')})`,
      });
    }
  }
  if (!columns.includes('prompt')) {
    headerProblems.push({
      line: headerLine,
      message: `no "prompt" column: the first row must be a header naming ${ITEM_FIELDS.join(', ')}`,
    });
  }
  if (headerProblems.length > 0) fail(label, headerProblems);

  const problems: Problem[] = [];
  if (syntaxError) problems.push({ ...syntaxError, task: body.length });
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
  return collect(label, 'csv', records, defaultModel, problems);
}

/**
 * Reads a JSONL or CSV file of video items and checks every line; throws a `CliError` (exit 2)
 * naming the file and line of each problem.
 */
export async function readItemsFile(
  path: string,
  options: {
    defaultModel?: string | undefined;
    /** Where `path` is (resolved from the user's directory); messages name `path` as given. */
    readFrom?: string;
  } = {},
): Promise<ItemsFile> {
  const format = formatOf(path);
  const location = options.readFrom ?? path;
  let text: string;
  try {
    text = await readFile(location, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = location === path ? '' : `: ${location}`;
    throw new CliError(
      `${path}: cannot read the file${code === 'ENOENT' ? ` (no such file${where})` : code ? ` (${code}${where})` : ''}`,
      EXIT.usage,
    );
  }
  const label = path;
  const content = text.replace(/^\uFEFF/, '');
  if (!/\S/.test(content)) throw new CliError(`${label}: no items (the file is empty)`, EXIT.usage);
  return format === 'csv'
    ? parseCsvFile(label, content, options.defaultModel)
    : parseJsonLines(label, content, options.defaultModel);
}

/** `items[6].model` → task 6 and the file line it came from, when the API names an item. */
export function itemOfDetail(
  file: ItemsFile,
  path: string,
): { task: number; line: number; field: string } | undefined {
  const match = /^items\[(\d+)\]\.?(.*)$/.exec(path);
  const task = Number(match?.[1]);
  const line = file.lines[task];
  return match && line !== undefined ? { task, line, field: match[2] ?? '' } : undefined;
}

/**
 * How task numbers map to lines of the file, in one sentence: `#i` is on line `i + 2` of a CSV
 * file with its header row, `i + 1` of a JSON Lines file, unless blank lines (skipped) or
 * multi-line CSV cells shift them, in which case the first and last are named.
 */
export function taskLinesSentence(file: ItemsFile): string {
  const offset = file.format === 'csv' ? 2 : 1;
  const last = file.lines.length - 1;
  const regular = file.lines.every((line, task) => line === task + offset);
  const range = last === 0 ? 'Task #0 is' : `Tasks #0–#${n(last)} are`;
  return regular
    ? `${range} lines ${n(offset)}${last === 0 ? '' : `–${n(last + offset)}`} of ${file.label} (task #i is on line i + ${offset}).`
    : `${range} the items of ${file.label} in order, blank lines skipped (task #0 is on line ${n(file.lines[0] ?? 0)}, #${n(last)} on line ${n(file.lines[last] ?? 0)}).`;
}
