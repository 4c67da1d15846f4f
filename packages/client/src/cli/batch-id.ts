import { BatchreelApiError } from '../errors';
import type { BatchSummary } from '../types';
import type { CommandContext } from './context';
import { CliError, EXIT } from './exit-codes';
import { n } from './output';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The fewest hex digits the API looks a prefix up by. */
const MIN_PREFIX_HEX = 4;
/** How many candidates an ambiguous prefix lists. */
const MAX_CANDIDATES = 10;

/** Whether `text` can be the start of a uuid: hex digits, hyphens where a uuid has them. */
function looksLikeIdStart(text: string): boolean {
  const lower = text.toLowerCase();
  if (!lower.includes('-')) return /^[0-9a-f]{1,32}$/.test(lower);
  return (
    lower.length <= 36 &&
    [...lower].every((c, at) => ([8, 13, 18, 23].includes(at) ? c === '-' : /[0-9a-f]/.test(c)))
  );
}

const candidateLine = (batch: BatchSummary) =>
  `  ${batch.batch_id}  ${batch.status.padEnd(10)}  ${n(batch.total_count)} tasks  created ${batch.created_at}`;

/**
 * The batch a command names: a whole id as given, or the one batch of this account whose id
 * starts with the short id shown by the admin and the CLI (`3f6c1a2b`). An ambiguous start lists
 * the candidates (exit 2), an unknown one is not found (exit 7), like a whole id would be.
 */
export async function resolveBatchId(ctx: CommandContext, given: string): Promise<string> {
  const text = given.trim();
  if (UUID.test(text)) return text;
  if (!looksLikeIdStart(text)) {
    throw new CliError(
      `Not found: no batch ${given} (a batch id is a uuid, or its first ${MIN_PREFIX_HEX} or more characters).`,
      EXIT.notFound,
    );
  }
  if (text.replaceAll('-', '').length < MIN_PREFIX_HEX) {
    throw new CliError(
      `"${given}" is too short to look a batch up: give at least ${MIN_PREFIX_HEX} characters of its id (the 8 shown in lists are always enough to try).`,
      EXIT.usage,
    );
  }
  let matches: BatchSummary[];
  let more: boolean;
  try {
    const page = await ctx.client().listBatches({ idPrefix: text, limit: MAX_CANDIDATES });
    matches = page.data;
    more = page.has_more;
  } catch (error) {
    if (error instanceof BatchreelApiError && error.code === 'route_not_found') {
      throw new CliError(
        `This server cannot look batches up by a short id (no GET /video-batches): give the whole id.`,
        EXIT.usage,
      );
    }
    throw error;
  }
  const [only] = matches;
  if (matches.length === 1 && only) return only.batch_id;
  if (!only) {
    throw new CliError(`Not found: no batch of this account starts with ${text}.`, EXIT.notFound);
  }
  throw new CliError(
    [
      `"${text}" is ambiguous: ${more ? `more than ${MAX_CANDIDATES}` : n(matches.length)} batches of this account start with it. Give more of the id:`,
      ...matches.map(candidateLine),
      ...(more ? ['  …'] : []),
    ].join('\n'),
    EXIT.usage,
  );
}
