import { ITEM_FIELDS, ITEM_SIZE_PATTERN, LIMITS } from '../limits';
import { type ItemsFileProblem, type ProblemPlace, problem } from './problems';

/** One item read from a file; `model` is left out only where the reader allows it. */
export interface FileItem {
  prompt: string;
  model?: string;
  seconds?: number;
  size?: string;
}

export interface ItemRules {
  /** The model of items that name none. */
  defaultModel?: string | undefined;
  /** Items may name no model (and there is no default): the sender fills one in later. */
  modelOptional?: boolean | undefined;
}

const isItemField = (key: string) => (ITEM_FIELDS as readonly string[]).includes(key);

/**
 * Checks one item the way the API will (shape, types, limits), so that a malformed file fails
 * where it is read, with its line. Returns the item, or every problem found, in field order.
 */
export function checkItem(
  fields: Record<string, unknown>,
  rules: ItemRules,
  place: ProblemPlace,
): FileItem | ItemsFileProblem[] {
  const problems: ItemsFileProblem[] = [];
  for (const key of Object.keys(fields)) {
    if (!isItemField(key)) problems.push(problem('unknown_field', place, { field: key }));
  }
  const { prompt, seconds, size } = fields;
  const model = fields.model ?? rules.defaultModel;
  if (prompt === undefined || prompt === null) problems.push(problem('missing_prompt', place));
  else if (typeof prompt !== 'string') problems.push(problem('prompt_not_string', place));
  else if (!/\S/.test(prompt)) problems.push(problem('prompt_empty', place));
  else if (Array.from(prompt).length > LIMITS.maxPromptChars) {
    problems.push(problem('prompt_too_long', place, { max: LIMITS.maxPromptChars }));
  }
  if (model === undefined || model === null) {
    if (!rules.modelOptional) problems.push(problem('missing_model', place));
  } else if (typeof model !== 'string') problems.push(problem('model_not_string', place));
  else if (model.length === 0) problems.push(problem('model_empty', place));
  if (seconds !== undefined && seconds !== null) {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
      problems.push(problem('seconds_not_integer', place));
    } else if (seconds <= 0 || seconds > LIMITS.maxSeconds) {
      problems.push(problem('seconds_out_of_range', place, { max: LIMITS.maxSeconds }));
    }
  }
  if (size !== undefined && size !== null) {
    if (typeof size !== 'string') problems.push(problem('size_not_string', place));
    else if (!ITEM_SIZE_PATTERN.test(size)) problems.push(problem('size_invalid', place));
  }
  if (problems.length > 0) return problems;
  const item: FileItem = { prompt: prompt as string };
  if (typeof model === 'string') item.model = model;
  if (typeof seconds === 'number') item.seconds = seconds;
  if (typeof size === 'string') item.size = size;
  return item;
}
