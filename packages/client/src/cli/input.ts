import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  type FileItemWithModel,
  type ItemsFileFormat,
  type ItemsFileProblem,
  itemOfPath,
  itemsFileFormat,
  parseItemsFile,
  TASK_LINE_OFFSET,
} from '@batchreel/contracts/items-file';
import { CliError, EXIT } from './exit-codes';
import { n } from './output';

/** How many problems one error message lists before summarising the rest. */
const MAX_REPORTED = 10;

/**
 * The items of a file, and the line each came from (to point server-side problems at lines).
 * Item `i` becomes task `#i` (its `batch_index`); `lines[i]` is its 1-based line in the file.
 */
export interface ItemsFile {
  /** What messages call the file (its name as given). */
  label: string;
  format: ItemsFileFormat;
  items: FileItemWithModel[];
  lines: number[];
}

interface Problem {
  line: number;
  /** The task number (`batch_index`) the line's item gets; none for a header problem. */
  task?: number | undefined;
  message: string;
}

/** `prompts.csv:9: task #7: missing prompt`, the form every file problem is reported in. */
export function problemLine(label: string, problem: Problem): string {
  const task = problem.task === undefined ? '' : `task #${problem.task}: `;
  return `${label}:${problem.line}: ${task}${problem.message}`;
}

/** The parser's message, with the CLI's own way out where there is one. */
function messageOf(problem: ItemsFileProblem): string {
  return problem.code === 'missing_model'
    ? `${problem.message} (give one per item, or pass --model)`
    : problem.message;
}

/** Reports problems in file order, the first {@link MAX_REPORTED} of them; exits 2. */
function fail(label: string, problems: ItemsFileProblem[]): never {
  const [first] = problems;
  if (first && first.line === undefined) {
    throw new CliError(`${label}: ${messageOf(first)}`, EXIT.usage);
  }
  const shown = problems.slice(0, MAX_REPORTED).map((problem) =>
    problemLine(label, {
      line: problem.line ?? 0,
      task: problem.task,
      message: messageOf(problem),
    }),
  );
  if (problems.length > MAX_REPORTED) {
    shown.push(`… and ${n(problems.length - MAX_REPORTED)} more problems`);
  }
  throw new CliError(shown.join('\n'), EXIT.usage);
}

/**
 * Reads a JSONL or CSV file of video items and checks every line (`@batchreel/contracts`
 * reads it, as the admin app does); throws a `CliError` (exit 2) naming the file and line of
 * each problem.
 */
export async function readItemsFile(
  path: string,
  options: {
    defaultModel?: string | undefined;
    /** Where `path` is (resolved from the user's directory); messages name `path` as given. */
    readFrom?: string;
  } = {},
): Promise<ItemsFile> {
  const format = itemsFileFormat(path);
  if (!format) {
    const extension = extname(path).toLowerCase();
    throw new CliError(
      `${path}: cannot tell the format from the extension "${extension}": use .jsonl (one JSON object per line) or .csv (a header row with prompt, model, seconds, size).`,
      EXIT.usage,
    );
  }
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
  const file = parseItemsFile(text, { format, defaultModel: options.defaultModel });
  if (file.problems.length > 0) fail(path, file.problems);
  return { label: path, format, items: file.items, lines: file.lines };
}

/** `items[6].model` → task 6 and the file line it came from, when the API names an item. */
export function itemOfDetail(
  file: ItemsFile,
  path: string,
): { task: number; line: number; field: string } | undefined {
  return itemOfPath(file.lines, path);
}

/**
 * How task numbers map to lines of the file, in one sentence: `#i` is on line `i + 2` of a CSV
 * file with its header row, `i + 1` of a JSON Lines file, unless blank lines (skipped) or
 * multi-line CSV cells shift them, in which case the first and last are named.
 */
export function taskLinesSentence(file: ItemsFile): string {
  const offset = TASK_LINE_OFFSET[file.format];
  const last = file.lines.length - 1;
  const regular = file.lines.every((line, task) => line === task + offset);
  const range = last === 0 ? 'Task #0 is' : `Tasks #0–#${n(last)} are`;
  return regular
    ? `${range} lines ${n(offset)}${last === 0 ? '' : `–${n(last + offset)}`} of ${file.label} (task #i is on line i + ${offset}).`
    : `${range} the items of ${file.label} in order, blank lines skipped (task #0 is on line ${n(file.lines[0] ?? 0)}, #${n(last)} on line ${n(file.lines[last] ?? 0)}).`;
}
