import { ITEM_FIELDS } from '../limits';

const integer = new Intl.NumberFormat('en-US');
/** `2000` → `2,000`, as the CLI prints numbers. */
export const formatCount = (value: number) => integer.format(value);

const EXPECTED = ITEM_FIELDS.join(', ');

/**
 * Every problem a file can have, and its English message (what the CLI prints; the admin app
 * translates by code and fills in the same `params`).
 */
const MESSAGES = {
  // The file as a whole.
  empty: () => 'no items (the file is empty)',
  too_many_items: (p: { count: number; max: number }) =>
    `${formatCount(p.count)} items, but a batch holds at most ${formatCount(p.max)}: split the file.`,
  // A CSV header row.
  unknown_column: (p: { column: string }) =>
    `unknown column "${p.column}" (the header row names ${EXPECTED})`,
  no_prompt_column: () => `no "prompt" column: the first row must be a header naming ${EXPECTED}`,
  // A line that is not an item at all.
  not_csv: (p: { reason: string }) => `not valid CSV: ${p.reason}`,
  not_json: () => 'not valid JSON',
  json_array: () => 'a JSON array: put one item object per line (JSON Lines)',
  not_object: () => 'must be a JSON object like {"prompt": "…", "model": "…"}',
  // An item's fields.
  unknown_field: (p: { field: string }) => `unknown field "${p.field}" (expected ${EXPECTED})`,
  missing_prompt: () => 'missing prompt',
  prompt_not_string: () => 'prompt must be a string',
  prompt_empty: () => 'prompt is empty',
  prompt_too_long: (p: { max: number }) => `prompt is longer than ${formatCount(p.max)} characters`,
  missing_model: () => 'missing model',
  model_not_string: () => 'model must be a string',
  model_empty: () => 'model is empty',
  seconds_not_integer: () => 'seconds must be an integer',
  seconds_out_of_range: (p: { max: number }) => `seconds must be between 1 and ${p.max}`,
  size_not_string: () => 'size must be a string',
  size_invalid: () => 'size must be WIDTHxHEIGHT, e.g. 1280x720',
} as const;

type Messages = typeof MESSAGES;
export type ItemsFileProblemCode = keyof Messages;

/** Every problem code, for catalogues that must label each one (the admin's translations). */
export const ITEMS_FILE_PROBLEM_CODES = Object.keys(MESSAGES) as ItemsFileProblemCode[];

type ParamsOf<Code extends ItemsFileProblemCode> =
  Parameters<Messages[Code]> extends [infer P] ? P : Record<string, never>;

/** What is wrong with a file, where, in English and as data. */
export type ItemsFileProblem = {
  [Code in ItemsFileProblemCode]: {
    code: Code;
    /** The values the message names (a column, a field, a limit), for translated messages. */
    params: ParamsOf<Code>;
    /** In English, e.g. `missing prompt`: what the CLI prints after the place. */
    message: string;
    /** 1-based line of the file; absent for a problem with the file as a whole. */
    line?: number;
    /** The task number (`batch_index`) the line's item gets; absent for header and file problems. */
    task?: number;
  };
}[ItemsFileProblemCode];

/** Where a problem is, as the parser found it. */
export interface ProblemPlace {
  line?: number;
  task?: number;
}

/** A problem with its English message. */
export function problem<Code extends ItemsFileProblemCode>(
  code: Code,
  place: ProblemPlace,
  ...params: Parameters<Messages[Code]> extends [infer P] ? [P] : []
): ItemsFileProblem {
  const values = (params[0] ?? {}) as ParamsOf<Code>;
  const message = (MESSAGES[code] as (p: ParamsOf<Code>) => string)(values);
  return { code, params: values, message, ...place } as ItemsFileProblem;
}

/** File order: by line, a line's own problems in the order they were found (a stable sort). */
export const inFileOrder = (problems: ItemsFileProblem[]) =>
  [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
