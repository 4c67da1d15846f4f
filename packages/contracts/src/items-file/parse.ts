import { LIMITS } from '../limits';
import { checkItem, type FileItem, type ItemRules } from './check-item';
import { readCsv } from './csv';
import { readJsonLines } from './jsonl';
import { type ItemsFileProblem, inFileOrder, problem } from './problems';

export type ItemsFileFormat = 'jsonl' | 'csv';

/** The format a file name says (`.jsonl`, `.ndjson`, `.json`, `.csv`; any case), if any. */
export function itemsFileFormat(fileName: string): ItemsFileFormat | undefined {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  // As Node's `extname`: a name that only starts with a dot (`.csv`) has no extension.
  const extension = dot > 0 ? base.slice(dot).toLowerCase() : '';
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';
  if (extension === '.csv') return 'csv';
  return undefined;
}

/** The items of a file, the line each came from, and everything wrong with it. */
export interface ParsedItemsFile<Item extends FileItem = FileItem> {
  format: ItemsFileFormat;
  /**
   * The good items, in file order. Item `i` becomes task `#i` (its `batch_index`) only when
   * `problems` is empty: a file with problems must not be sent.
   */
  items: Item[];
  /** `lines[i]` is the 1-based line of `items[i]`. */
  lines: number[];
  /**
   * In file order. Problems of the file as a whole (`empty`, `too_many_items`) have no line and
   * come only when no line has one; a broken CSV header stops the reading (only its problems).
   */
  problems: ItemsFileProblem[];
}

export interface ParseItemsOptions extends ItemRules {
  format: ItemsFileFormat;
}

/** An item that names its model: what a file gives when models are not optional. */
export type FileItemWithModel = FileItem & { model: string };

/**
 * Reads a JSON Lines or CSV file of batch items (its text, a leading BOM allowed) and checks
 * every item as the API would, so that a bad file is refused before anything is sent, naming the
 * line (and the task number the line's item gets) of each problem.
 */
export function parseItemsFile(
  text: string,
  options: ParseItemsOptions & { modelOptional: true },
): ParsedItemsFile<FileItem>;
export function parseItemsFile(
  text: string,
  options: ParseItemsOptions,
): ParsedItemsFile<FileItemWithModel>;
export function parseItemsFile(text: string, options: ParseItemsOptions): ParsedItemsFile {
  const { format } = options;
  const content = text.replace(/^\uFEFF/, '');
  const nothing = { format, items: [], lines: [] };
  if (!/\S/.test(content)) return { ...nothing, problems: [problem('empty', {})] };

  const read = format === 'csv' ? readCsv(content) : readJsonLines(content);
  if (read.fatal) return { ...nothing, problems: inFileOrder(read.fatal) };

  const problems = [...read.problems];
  const items: FileItem[] = [];
  const lines: number[] = [];
  for (const { line, task, fields } of read.records) {
    const checked = checkItem(fields, options, { line, task });
    if (Array.isArray(checked)) problems.push(...checked);
    else {
      items.push(checked);
      lines.push(line);
    }
  }
  if (problems.length > 0) return { format, items, lines, problems: inFileOrder(problems) };
  if (items.length === 0) return { format, items, lines, problems: [problem('empty', {})] };
  if (items.length > LIMITS.maxItems) {
    const tooMany = problem('too_many_items', {}, { count: items.length, max: LIMITS.maxItems });
    return { format, items, lines, problems: [tooMany] };
  }
  return { format, items, lines, problems: [] };
}

/** How far task `#i` is from its line when nothing shifts it: the header row, and 1-based lines. */
export const TASK_LINE_OFFSET: Record<ItemsFileFormat, number> = { csv: 2, jsonl: 1 };

/**
 * The task and the file line an API problem path names (`items[6].model` → task 6, its line, and
 * `model`), given the lines of the items that were sent; `undefined` for other paths.
 */
export function itemOfPath(
  lines: readonly number[],
  path: string,
): { task: number; line: number; field: string } | undefined {
  const match = /^items\[(\d+)\]\.?(.*)$/.exec(path);
  const task = Number(match?.[1]);
  const line = lines[task];
  return match && line !== undefined ? { task, line, field: match[2] ?? '' } : undefined;
}
