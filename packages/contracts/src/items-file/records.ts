import type { ItemsFileProblem } from './problems';

/** One item's fields as a file gives them, and where. */
export interface ItemRecord {
  line: number;
  task: number;
  fields: Record<string, unknown>;
}

/** What a format's reader found: the records to check, and problems of lines that are no item. */
export interface ReadRecords {
  records: ItemRecord[];
  problems: ItemsFileProblem[];
  /** Set when the file cannot hold items at all (no header, a broken header): nothing else counts. */
  fatal?: ItemsFileProblem[];
}
