/**
 * `@batchreel/contracts/items-file`: the batch item files the CLI submits and the admin app
 * uploads — CSV with a header row, or JSON Lines — read and checked in one place, with the line
 * of every item and of every problem.
 *
 * @packageDocumentation
 */

export type { FileItem, ItemRules } from './check-item';
export type {
  FileItemWithModel,
  ItemsFileFormat,
  ParsedItemsFile,
  ParseItemsOptions,
} from './parse';
export { itemOfPath, itemsFileFormat, parseItemsFile, TASK_LINE_OFFSET } from './parse';
export type { ItemsFileProblem, ItemsFileProblemCode } from './problems';
export { formatCount, ITEMS_FILE_PROBLEM_CODES } from './problems';
