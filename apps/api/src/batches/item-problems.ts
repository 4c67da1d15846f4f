import type { QuoteProblem } from '@batchreel/billing';
import { describeSeconds } from '../models/pricing';

/** A problem located by its path into the request (the API's `details` entries). */
export interface ItemDetail {
  path: string;
  message: string;
}

const FIELD_ORDER = { model: 0, seconds: 1, size: 2 } as const;

/** The field of an item a problem is about, and what the client reads about it. */
function explain(problem: QuoteProblem): { field: keyof typeof FIELD_ORDER; message: string } {
  switch (problem.code) {
    case 'unknown_model':
      return { field: 'model', message: `Unknown model '${problem.model}'.` };
    case 'model_disabled':
      return { field: 'model', message: `Model '${problem.model}' is not available.` };
    case 'model_retired':
      return {
        field: 'model',
        message: problem.replacement
          ? `Model '${problem.model}' was retired; use '${problem.replacement}' instead.`
          : `Model '${problem.model}' was retired and has no replacement.`,
      };
    case 'seconds_not_offered': {
      const allowed = problem.allowedSeconds;
      const min = allowed[0] ?? 0;
      const max = allowed.at(-1) ?? 0;
      const offered = describeSeconds(allowed);
      const message =
        problem.seconds < min
          ? `Must be at least ${min} seconds for ${problem.model} (${offered}).`
          : problem.seconds > max
            ? `Must be at most ${max} seconds for ${problem.model} (${offered}).`
            : `Must be one of ${offered} seconds for ${problem.model}.`;
      return { field: 'seconds', message };
    }
    case 'size_not_offered':
      return {
        field: 'size',
        message: `Must be one of ${problem.allowedSizes.join(', ')} for ${problem.model}.`,
      };
  }
}

/**
 * The quote's problems as the API's `details`: one per item and field, named by its path
 * (`items[3].seconds`), in item order.
 */
export function itemDetails(problems: readonly QuoteProblem[]): ItemDetail[] {
  const found: { index: number; order: number; detail: ItemDetail }[] = [];
  for (const problem of problems) {
    const { field, message } = explain(problem);
    for (const index of problem.itemIndexes) {
      found.push({
        index,
        order: FIELD_ORDER[field],
        detail: { path: `items[${index}].${field}`, message },
      });
    }
  }
  found.sort((a, b) => a.index - b.index || a.order - b.order);
  return found.map((f) => f.detail);
}
