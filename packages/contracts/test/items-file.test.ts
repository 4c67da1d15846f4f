import { describe, expect, it } from 'vitest';
import {
  type ItemsFileProblem,
  itemOfPath,
  itemsFileFormat,
  parseItemsFile,
} from '../src/items-file';
import { LIMITS } from '../src/limits';

const csv = (text: string, defaultModel?: string) =>
  parseItemsFile(text, { format: 'csv', defaultModel });
const jsonl = (text: string, defaultModel?: string) =>
  parseItemsFile(text, { format: 'jsonl', defaultModel });

/** Problems as the CLI prints them after the file name: `9: task #7: missing prompt`. */
const shown = (problems: ItemsFileProblem[]) =>
  problems.map(
    (p) => `${p.line ?? '-'}: ${p.task === undefined ? '' : `task #${p.task}: `}${p.message}`,
  );

describe('itemsFileFormat', () => {
  it('tells the format from the extension, in any case', () => {
    const names = ['a.jsonl', 'a.NDJSON', 'dir.v2/a.json', 'C:\\in\\A.CSV', 'a.txt', 'csv'];
    expect(names.map(itemsFileFormat)).toEqual([
      'jsonl',
      'jsonl',
      'jsonl',
      'csv',
      undefined,
      undefined,
    ]);
    expect(['a.csv.bak', '.csv', 'dir.csv/a'].map(itemsFileFormat)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('CSV', () => {
  it('reads a header and rows: lines count the header, task #i is on line i + 2', () => {
    const file = csv('prompt,model,seconds,size\nA cat,sora-2,8,720x1280\nA dog,sora-2,,\n');
    expect(file).toEqual({
      format: 'csv',
      items: [
        { prompt: 'A cat', model: 'sora-2', seconds: 8, size: '720x1280' },
        { prompt: 'A dog', model: 'sora-2' },
      ],
      lines: [2, 3],
      problems: [],
    });
  });

  it('takes the header in any order and case, with spaces around names and cells', () => {
    const file = csv(' Model , PROMPT \n sora-2 ,  A cat  \n');
    expect(file.items).toEqual([{ prompt: 'A cat', model: 'sora-2' }]);
  });

  it('fills in the default model for rows without one (an empty cell or no column)', () => {
    expect(csv('prompt\nA cat\n', 'veo').items).toEqual([{ prompt: 'A cat', model: 'veo' }]);
    expect(csv('prompt,model\nA cat,\nA dog,sora-2\n', 'veo').items).toEqual([
      { prompt: 'A cat', model: 'veo' },
      { prompt: 'A dog', model: 'sora-2' },
    ]);
  });

  it('reads quoted cells: commas, doubled quotes and line breaks inside them', () => {
    const file = csv(
      'prompt,model\n"A cat, a dog",sora-2\n"She said ""hi""",sora-2\n"Two\nlines",sora-2\nLast,sora-2\n',
    );
    expect(file.items.map((item) => item.prompt)).toEqual([
      'A cat, a dog',
      'She said "hi"',
      'Two\nlines',
      'Last',
    ]);
    // A record's line is the one it ends on; the multi-line cell shifts the later ones.
    expect(file.lines).toEqual([2, 3, 5, 6]);
  });

  it('skips a BOM, CRLF line ends and blank lines (which keep their line numbers)', () => {
    const file = csv('\uFEFFprompt,model\r\nA cat,sora-2\r\n\r\n  \r\nA dog,sora-2\r\n');
    expect(file.items.map((item) => item.prompt)).toEqual(['A cat', 'A dog']);
    expect(file.lines).toEqual([2, 5]);
    expect(file.problems).toEqual([]);
  });

  it('refuses a header without a prompt column or with unknown columns, and nothing else', () => {
    expect(shown(csv('model,seconds\nsora-2,4\n').problems)).toEqual([
      '1: no "prompt" column: the first row must be a header naming prompt, model, seconds, size',
    ]);
    const file = csv('prompt,modle,colour\nA cat,sora-2,red\n,,\n');
    expect(shown(file.problems)).toEqual([
      '1: unknown column "modle" (the header row names prompt, model, seconds, size)',
      '1: unknown column "colour" (the header row names prompt, model, seconds, size)',
    ]);
    expect(file.items).toEqual([]);
    expect(file.problems[0]).toMatchObject({ code: 'unknown_column', params: { column: 'modle' } });
  });

  it('names every bad row with its line and task, in file order', () => {
    const file = csv(
      'prompt,model,seconds,size\nA cat,sora-2,4,\n,sora-2,,\nA dog,,,\nA bird,sora-2,four,1280*720\nA fish,sora-2,601,\n',
    );
    expect(shown(file.problems)).toEqual([
      '3: task #1: missing prompt',
      '4: task #2: missing model',
      '5: task #3: seconds must be an integer',
      '5: task #3: size must be WIDTHxHEIGHT, e.g. 1280x720',
      '6: task #4: seconds must be between 1 and 600',
    ]);
    // The good rows are still read, with their lines (for a caller that shows them).
    expect(file.items).toEqual([{ prompt: 'A cat', model: 'sora-2', seconds: 4 }]);
    expect(file.lines).toEqual([2]);
  });

  it('reports a broken row after the problems before it, and checks no row after it', () => {
    const file = csv(
      'prompt,model\nA cat,sora-2\n,sora-2\nA dog,sora-2\n"A "fish",sora-2\nA bird\n',
    );
    expect(shown(file.problems)).toEqual([
      '3: task #1: missing prompt',
      expect.stringMatching(/^5: task #3: not valid CSV: .*line 5/),
    ]);
    expect(file.problems[1]).toMatchObject({
      code: 'not_csv',
      params: { reason: expect.any(String) },
    });
  });

  it('refuses a row with more cells than the header', () => {
    expect(shown(csv('prompt,model\nA cat,sora-2,extra\n').problems)).toEqual([
      '2: task #0: not valid CSV: expect 2, got 3 on line 2',
    ]);
  });

  it('refuses a broken first row as not CSV, without a task', () => {
    const problems = csv('"prompt,model\nA cat,sora-2\n').problems;
    expect(shown(problems)).toEqual([
      '2: not valid CSV: the parsing is finished with an opening quote at line 2',
    ]);
    expect(problems[0]).not.toHaveProperty('task');
  });

  it('calls a file with only a header (or nothing at all) empty', () => {
    for (const text of ['prompt,model\n', '', '\uFEFF', ' \n\r\n\t']) {
      expect(shown(csv(text).problems), JSON.stringify(text)).toEqual([
        '-: no items (the file is empty)',
      ]);
    }
  });
});

describe('JSON Lines', () => {
  it('reads one object per line; blank lines are skipped but keep their numbers', () => {
    const file = jsonl(
      '{"prompt":"A cat","model":"sora-2"}\n\n{"prompt":"A dog","model":"sora-2","seconds":8,"size":"720x1280"}\r\n',
    );
    expect(file).toEqual({
      format: 'jsonl',
      items: [
        { prompt: 'A cat', model: 'sora-2' },
        { prompt: 'A dog', model: 'sora-2', seconds: 8, size: '720x1280' },
      ],
      lines: [1, 3],
      problems: [],
    });
  });

  it('names broken lines; each keeps the task number its item would have had', () => {
    const file = jsonl(
      [
        '{"prompt":"ok","model":"m"}',
        '{"prompt":',
        '',
        '[{"prompt":"x"}]',
        '"just text"',
        '{"prompt":7,"model":"m","colour":"red"}',
        '{"prompt":"  ","model":""}',
        '{"prompt":"ok","seconds":4.5,"size":1280}',
      ].join('\n'),
    );
    expect(shown(file.problems)).toEqual([
      '2: task #1: not valid JSON',
      '4: task #2: a JSON array: put one item object per line (JSON Lines)',
      '5: task #3: must be a JSON object like {"prompt": "…", "model": "…"}',
      '6: task #4: unknown field "colour" (expected prompt, model, seconds, size)',
      '6: task #4: prompt must be a string',
      '7: task #5: prompt is empty',
      '7: task #5: model is empty',
      '8: task #6: missing model',
      '8: task #6: seconds must be an integer',
      '8: task #6: size must be a string',
    ]);
  });

  it('keeps prompts as written (JSON strings are not trimmed)', () => {
    expect(jsonl('{"prompt":"  A cat ","model":"m"}').items[0]?.prompt).toBe('  A cat ');
  });

  it('lets the caller leave the model out when it fills one in later (the admin)', () => {
    const file = parseItemsFile('{"prompt":"A cat"}\n', { format: 'jsonl', modelOptional: true });
    expect(file).toMatchObject({ items: [{ prompt: 'A cat' }], problems: [] });
  });
});

describe('limits', () => {
  it('counts a prompt in characters (code points), as the API does', () => {
    const longest = '猫'.repeat(LIMITS.maxPromptChars);
    expect(jsonl(JSON.stringify({ prompt: longest, model: 'm' })).problems).toEqual([]);
    const emoji = '🐈'.repeat(LIMITS.maxPromptChars); // two UTF-16 units each, one character
    expect(jsonl(JSON.stringify({ prompt: emoji, model: 'm' })).problems).toEqual([]);
    expect(shown(jsonl(JSON.stringify({ prompt: `${longest}!`, model: 'm' })).problems)).toEqual([
      '1: task #0: prompt is longer than 2,000 characters',
    ]);
  });

  it(`holds at most ${LIMITS.maxItems.toLocaleString('en-US')} items`, () => {
    const rows = (count: number) => `prompt\n${'A cat\n'.repeat(count)}`;
    expect(csv(rows(LIMITS.maxItems), 'm').problems).toEqual([]);
    const tooMany = csv(rows(LIMITS.maxItems + 1), 'm');
    expect(shown(tooMany.problems)).toEqual([
      '-: 10,001 items, but a batch holds at most 10,000: split the file.',
    ]);
    expect(tooMany.problems[0]).toMatchObject({
      code: 'too_many_items',
      params: { count: 10_001, max: 10_000 },
    });
  });

  it('accepts seconds from 1 to the maximum and sizes WIDTHxHEIGHT', () => {
    const file = csv(
      `prompt,seconds,size\nA,1,10x10\nB,${LIMITS.maxSeconds},99999x99999\nC,0,1x1\n`,
      'm',
    );
    expect(shown(file.problems)).toEqual([
      '4: task #2: seconds must be between 1 and 600',
      '4: task #2: size must be WIDTHxHEIGHT, e.g. 1280x720',
    ]);
  });
});

describe('itemOfPath', () => {
  it('points an API problem path at the task and the line of the file it came from', () => {
    const lines = [2, 3, 7];
    expect(itemOfPath(lines, 'items[2].model')).toEqual({ task: 2, line: 7, field: 'model' });
    expect(itemOfPath(lines, 'items[0]')).toEqual({ task: 0, line: 2, field: '' });
    expect(itemOfPath(lines, 'items[3].model')).toBeUndefined();
    expect(itemOfPath(lines, 'webhook_url')).toBeUndefined();
  });
});
