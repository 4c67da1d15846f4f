import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSecret, signWebhook } from '@batchreel/webhooks';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchIdOf,
  cli,
  client,
  jsonl,
  MODEL,
  moneySnapshot,
  PRICE,
  pnpm,
  REPO_ROOT,
  recordingServer,
  scratch,
  unreachableUrl,
} from './support';

let files: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  files = await scratch();
});
afterAll(() => files.remove());

describe('batchreel submit → watch → results', () => {
  it('submits 50 prompts, follows them to completion and writes the manifest in index order', async () => {
    const input = await files.file('fifty.jsonl', jsonl(50));
    const submitted = await cli(['submit', input, '--yes', '--watch', '--interval', '0.2']);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toContain('videos          50');
    expect(submitted.stdout).toContain(`required        ${50 * PRICE} credits`);
    expect(submitted.stdout).toMatch(/admitted: 50 videos, 500 credits reserved/);
    // Task numbers (batch_index) and lines of the file, reconcilable.
    expect(submitted.stdout).toContain(
      `Tasks #0–#49 are lines 1–50 of ${input} (task #i is on line i + 1).`,
    );
    expect(submitted.stdout).toMatch(/completed: 50 of 50 succeeded, 0 failed, 0 canceled/);
    const batchId = batchIdOf(submitted.stdout);

    const out = files.path('manifest.csv');
    const results = await cli(['results', batchId, '--out', out]);
    expect(results.code).toBe(0);
    expect(results.stdout).toContain(`Wrote 50 rows`);
    const rows: string[][] = parse(await readFile(out, 'utf8'));
    expect(rows[0]).toEqual(['index', 'prompt', 'status', 'video_url', 'error', 'video_sha256']);
    expect(rows).toHaveLength(51);
    rows.slice(1).forEach((row, i) => {
      expect(row[0]).toBe(String(i));
      expect(row[1]).toBe(`Video ${i}`);
      expect(row[2]).toBe('succeeded');
      // Batchreel's own stable link to the stored video, and its checksum.
      expect(row[3]).toMatch(/^http:\/\/.+\/api\/enterprise\/videos\/[0-9a-f-]{36}$/);
      expect(row[4]).toBe('');
      expect(row[5]).toMatch(/^[0-9a-f]{64}$/);
    });

    const toStdout = await cli(['results', batchId, '--out', '-']);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(await readFile(out, 'utf8'));
    expect(toStdout.stderr).toContain('Wrote 50 rows');

    const status = await cli(['status', batchId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('50 succeeded');
    expect(status.stdout).toMatch(/settlement\s+settled/);
    expect(status.stdout).toMatch(/frozen 500 · spent 500 · refunded 0 · net 500/);
    const asJson = JSON.parse((await cli(['status', batchId, '--json'])).stdout);
    expect(asJson).toMatchObject({
      batch_id: batchId,
      status: 'completed',
      success_count: 50,
      credits_spent: 500,
    });
  });

  it('shows a timed-out task with `tasks --status failed`; watch exits 4 on a partial batch', async () => {
    const input = await files.file(
      'with-timeout.jsonl',
      jsonl(3, (i) => ({ prompt: i === 1 ? 'Too slow [sim:timeout]' : `Fine ${i}`, model: MODEL })),
    );
    const submitted = await cli(['submit', input, '--yes', '--watch', '--interval', '0.2']);
    expect(submitted.code).toBe(4);
    expect(submitted.stdout).toMatch(/partial: 2 of 3 succeeded, 1 failed/);
    expect(submitted.stdout).toMatch(/refunded 10/);
    // The failed task, by its number and its line in the file.
    expect(submitted.stdout).toMatch(/Failed:\n {2}task #1 \(.*with-timeout\.jsonl:2\): timeout: /);
    const batchId = batchIdOf(submitted.stdout);

    const failed = await cli(['tasks', batchId, '--status', 'failed']);
    expect(failed.code).toBe(0);
    const lines = failed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^index\s+status\s+prompt\s+error\s+video url$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^1\s+failed\s+Too slow \[sim:timeout\]\s+timeout: /);

    const asJson = JSON.parse(
      (await cli(['tasks', batchId, '--status', 'failed', '--json'])).stdout,
    );
    expect(asJson).toEqual([
      expect.objectContaining({ batch_index: 1, status: 'failed', error_code: 'timeout' }),
    ]);

    const watched = await cli(['watch', batchId, '--interval', '0.2']);
    expect(watched.code).toBe(4);
    expect(watched.stdout).toContain('1 failed');
  });
});

describe('batchreel submit refusals', () => {
  it('exits 3 naming required and available credits when the account cannot pay, and charges nothing', async () => {
    const before = await moneySnapshot();
    const count = Math.floor(before.available / PRICE) + 1;
    const required = count * PRICE;
    const input = await files.file('too-many.jsonl', jsonl(count));

    const result = await cli(['submit', input, '--yes']);
    expect(result.code).toBe(3);
    const fmt = (value: number) => value.toLocaleString('en-US');
    expect(result.stderr).toContain(`needs ${fmt(required)} credits`);
    expect(result.stderr).toContain(`has ${fmt(before.available)} available`);
    expect(result.stderr).toContain(`short by ${fmt(required - before.available)}`);
    expect(await moneySnapshot()).toEqual(before);
  });

  it('rejects malformed files locally with file and line, exit 2, and sends nothing', async () => {
    const badLine = jsonl(10).split('\n');
    badLine[6] = '{"prompt": "broken", "model": ';
    const cases: [string, string, RegExp][] = [
      ['items.jsonl', badLine.join('\n'), /items\.jsonl:7: task #6: not valid JSON/],
      ['no-prompt.csv', 'model,seconds\nsora-2,4\n', /no-prompt\.csv:1: no "prompt" column/],
      ['empty.jsonl', '', /empty\.jsonl: no items \(the file is empty\)/],
      [
        'types.jsonl',
        `${jsonl(2)}{"prompt": 42, "model": "sora-2", "seconds": "long"}\n{"model": "sora-2"}\n`,
        /types\.jsonl:3: task #2: prompt must be a string\n.*types\.jsonl:3: task #2: seconds must be an integer\n.*types\.jsonl:4: task #3: missing prompt/,
      ],
      ['model.csv', 'prompt,model\nA cat,\n', /model\.csv:2: task #0: missing model/],
      ['prompts.txt', 'A cat\n', /cannot tell the format/],
    ];
    const recorder = await recordingServer();
    try {
      for (const [name, content, message] of cases) {
        const path = await files.file(name, content);
        const result = await cli(['submit', path, '--yes'], { BATCHREEL_API_URL: recorder.url });
        expect(result.code, name).toBe(2);
        expect(result.stderr, name).toMatch(message);
      }
      expect(recorder.requests).toEqual([]);
    } finally {
      await recorder.close();
    }

    // And against the real API: no batch, no reservation, no ledger row.
    const before = await moneySnapshot();
    const path = await files.file('items.jsonl', badLine.join('\n'));
    expect((await cli(['submit', path, '--yes'])).code).toBe(2);
    expect(await moneySnapshot()).toEqual(before);
  });

  it('points API validation errors at the line of the file', async () => {
    const path = await files.file(
      'unknown-model.jsonl',
      jsonl(3, (i) => ({ prompt: `P${i}`, model: i === 2 ? 'no-such-model' : MODEL })),
    );
    const before = await moneySnapshot();
    const result = await cli(['submit', path, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown-model\.jsonl:3: task #2: model: /);
    expect(await moneySnapshot()).toEqual(before);
  });

  it('refuses to submit without a terminal unless --yes, before sending anything', async () => {
    const path = await files.file('two.jsonl', jsonl(2));
    const recorder = await recordingServer();
    try {
      const result = await cli(['submit', path], { BATCHREEL_API_URL: recorder.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--yes');
      expect(recorder.requests).toEqual([]);
    } finally {
      await recorder.close();
    }
    const dryRun = await cli(['submit', path, '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('Dry run: nothing submitted.');
  });
});

describe('batchreel exit codes', () => {
  it('exits 6 for a wrong API key, 7 for an unknown batch, 2 for bad usage', async () => {
    const wrongKey = await cli(['balance', '--api-key', 'not-a-key']);
    expect(wrongKey.code).toBe(6);
    expect(wrongKey.stderr).toContain('Authentication failed');

    const wrongKeyEnv = await cli(['status', crypto.randomUUID()], { BATCHREEL_API_KEY: 'nope' });
    expect(wrongKeyEnv.code).toBe(6);

    const unknown = await cli(['status', crypto.randomUUID()]);
    expect(unknown.code).toBe(7);
    expect(unknown.stderr).toContain('Not found');
    expect((await cli(['watch', crypto.randomUUID()])).code).toBe(7);
    expect((await cli(['tasks', 'not-a-uuid'])).code).toBe(7);

    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['tasks', 'x', '--status', 'lost'])).code).toBe(2);
    expect((await cli(['balance'], { BATCHREEL_API_KEY: '' })).code).toBe(2);

    const nowhere = await unreachableUrl();
    const unreachable = await cli(['balance'], { BATCHREEL_API_URL: nowhere });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`${nowhere}/api/enterprise/balance: ECONNREFUSED`);

    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toMatch(/3\s+insufficient credits/);
  });

  it('prints balance and ledger', async () => {
    const balance = await cli(['balance']);
    expect(balance.code).toBe(0);
    expect(balance.stdout).toMatch(
      /^Demo Corp: [\d,]+ credits available \(balance [\d,]+, reserved 0\)/,
    );
    const ledger = await cli(['ledger', '--limit', '2']);
    expect(ledger.code).toBe(0);
    const lines = ledger.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+created\s+type\s+credits\s+balance\s+reference\s+memo$/);
    expect(lines).toHaveLength(4); // header, 2 entries, "More: … --cursor …"
    expect(lines[3]).toMatch(/^More: batchreel ledger --limit 2 --cursor \S+$/);
    const page = JSON.parse((await cli(['ledger', '--json'])).stdout);
    expect(page.data.at(-1)).toMatchObject({ ref_type: 'topup', credits_delta: 5000 });
  });
});

describe('batchreel verify-webhook', () => {
  it('accepts a signed delivery (exit 0) and rejects a tampered body (exit 5)', async () => {
    const secret = generateSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'batch.completed', data: { ok: 1 } });
    const headers = signWebhook({ id: 'evt_1', body, secrets: [secret] });
    const good = await files.file('good.json', JSON.stringify({ headers, body }));
    const valid = await cli(['verify-webhook', '--secret', secret, good]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^OK {2}event evt_1 batch\.completed/);

    const tampered = await files.file(
      'tampered.json',
      JSON.stringify({ headers, body: body.replace('"ok":1', '"ok":2') }),
    );
    const invalid = await cli(['verify-webhook', '--secret', secret, tampered]);
    expect(invalid.code).toBe(5);
    expect(invalid.stdout).toContain('no_matching_signature');

    const old = signWebhook({
      id: 'evt_2',
      body,
      secrets: [secret],
      timestampSeconds: Math.floor(Date.now() / 1000) - 3600,
    });
    const stale = await files.file('stale.json', JSON.stringify({ headers: old, body }));
    const tooOld = await cli(['verify-webhook', '--secret', secret, stale]);
    expect(tooOld.code).toBe(5);
    expect(tooOld.stdout).toContain('timestamp_out_of_tolerance');
    const tolerated = await cli([
      'verify-webhook',
      '--secret',
      secret,
      '--tolerance-seconds',
      '86400',
      stale,
    ]);
    expect(tolerated.code).toBe(0);

    const notSaved = await files.file('parsed.json', JSON.stringify({ headers, body: { a: 1 } }));
    expect((await cli(['verify-webhook', '--secret', secret, notSaved])).code).toBe(2);
    expect((await cli(['verify-webhook', good])).code).toBe(2);
  });

  it('verifies a real delivery from the server with the account secret', async () => {
    const receiver = await recordingServer();
    try {
      const input = await files.file('hooked.jsonl', jsonl(2));
      const submitted = await cli([
        'submit',
        input,
        '--yes',
        '--watch',
        '--interval',
        '0.2',
        '--webhook-url',
        `${receiver.url}/hook`,
        '--metadata',
        'campaign=cli-test',
      ]);
      expect(submitted.code).toBe(0);
      const deadline = Date.now() + 15_000;
      while (!receiver.requests.some((r) => r.body.includes('batch.completed'))) {
        if (Date.now() > deadline) throw new Error('no batch.completed delivery arrived');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const delivery = receiver.requests.find((r) => r.body.includes('batch.completed'));
      const saved = await files.file(
        'delivery.json',
        JSON.stringify({ headers: delivery?.headers, body: delivery?.body }),
      );
      const { secret } = await client().webhookSecret();
      const verified = await cli(['verify-webhook', saved], { BATCHREEL_WEBHOOK_SECRET: secret });
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/^OK {2}event \S+ batch\.completed/);
      expect(JSON.parse(delivery?.body ?? '{}').data.metadata).toEqual({ campaign: 'cli-test' });
    } finally {
      await receiver.close();
    }
  });
});

describe('short batch ids', () => {
  it('status, tasks, watch and results take the 8 characters lists show', async () => {
    const input = await files.file('short.jsonl', jsonl(2));
    const submitted = await cli(['submit', input, '--yes', '--watch', '--interval', '0.2']);
    expect(submitted.code).toBe(0);
    const batchId = batchIdOf(submitted.stdout);
    const short = batchId.slice(0, 8);

    for (const given of [short, short.toUpperCase()]) {
      const status = await cli(['status', given]);
      expect({ given, code: status.code, stderr: status.stderr }).toEqual({
        given,
        code: 0,
        stderr: '',
      });
      expect(status.stdout).toContain(`Batch ${batchId}`);
    }
    const tasks = await cli(['tasks', short]);
    expect(tasks.code).toBe(0);
    expect(tasks.stdout.trim().split('\n')).toHaveLength(3); // header and 2 tasks
    expect((await cli(['watch', short, '--interval', '0.2'])).code).toBe(0);
    const manifest = await cli(['results', short]);
    expect(manifest.code).toBe(0);
    expect(manifest.stdout.split('\n')[0]).toBe('index,prompt,status,video_url,error,video_sha256');
  }, 90_000); // six CLI runs one after another, each a new Node process

  it('says why when a short id finds no batch or is too short to look up', async () => {
    const none = await cli(['status', '0000aaaa']);
    expect(none.code).toBe(7);
    expect(none.stderr).toContain('Not found: no batch of this account starts with 0000aaaa');

    const notAnId = await cli(['status', 'zzzzzzzz']);
    expect(notAnId.code).toBe(7);
    expect(notAnId.stderr).toContain('a batch id is a uuid, or its first 4 or more characters');

    const tooShort = await cli(['status', 'abc']);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toContain('give at least 4 characters');
  });
});

describe('file problems', () => {
  it('are reported in file order, each with its line and its task number', async () => {
    // Line 2 cannot be parsed, line 1 parses but is incomplete: line 1 still comes first.
    const jsonlPath = await files.file(
      'order.jsonl',
      `{"model": "sora-2"}\n{"prompt": "broken"\n\n{"prompt": "ok", "model": "sora-2", "size": "big"}\n`,
    );
    const jsonlResult = await cli(['submit', jsonlPath, '--yes']);
    expect(jsonlResult.code).toBe(2);
    expect(jsonlResult.stderr.trim().split('\n')).toEqual([
      `${jsonlPath}:1: task #0: missing prompt`,
      `${jsonlPath}:2: task #1: not valid JSON`,
      // The blank line 3 is skipped: line 4 is task #2.
      `${jsonlPath}:4: task #2: size must be WIDTHxHEIGHT, e.g. 1280x720`,
    ]);

    // A broken CSV row stops the parser; the rows before it are still checked and reported first.
    const csvPath = await files.file(
      'order.csv',
      'prompt,model\nA cat,sora-2\n,sora-2\nA dog,sora-2\n"A "bad" quote,sora-2\n',
    );
    const csvResult = await cli(['submit', csvPath, '--yes']);
    expect(csvResult.code).toBe(2);
    const csvLines = csvResult.stderr.trim().split('\n');
    expect(csvLines[0]).toBe(`${csvPath}:3: task #1: missing prompt`);
    expect(csvLines[1]).toMatch(new RegExp(`^${csvPath}:5: task #3: not valid CSV: `));
    expect(csvLines).toHaveLength(2);
  });

  it('names the lines of a CSV file with its header: task #i is on line i + 2', async () => {
    const path = await files.file('header.csv', 'prompt,model\nA cat,sora-2\nA dog,sora-2\n');
    const result = await cli(['submit', path, '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Tasks #0–#1 are lines 2–3 of ${path} (task #i is on line i + 2).`,
    );
    const asJson = JSON.parse(
      (await cli(['submit', path, '--yes', '--json', '--request-id', 'csv-lines-1'])).stdout,
    );
    expect(asJson).toMatchObject({ file: path, file_lines: [2, 3] });
  });
});

describe('running the CLI through pnpm', () => {
  let dir: string;
  beforeAll(async () => {
    // A directory of the repository without a package.json of its own, like `docs/`: `pnpm
    // batchreel` there runs the root script, from the repository root.
    dir = await mkdtemp(join(REPO_ROOT, '.cli-test-'));
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'prompts.jsonl'), jsonl(2));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads and writes relative paths in the directory the command was typed in', async () => {
    const dryRun = await pnpm(['--silent', 'batchreel', 'submit', 'prompts.jsonl', '--dry-run'], {
      cwd: dir,
    });
    expect(dryRun).toMatchObject({ code: 0, stderr: '' });
    expect(dryRun.stdout).toContain('Dry run: nothing submitted.');

    const missing = await pnpm(['--silent', 'batchreel', 'submit', 'nope.jsonl', '--dry-run'], {
      cwd: dir,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `nope.jsonl: cannot read the file (no such file: ${join(dir, 'nope.jsonl')})\n`,
    );

    const submitted = await pnpm(
      ['--silent', 'batchreel', 'submit', 'prompts.jsonl', '--yes', '--watch', '--interval', '0.2'],
      { cwd: dir },
    );
    expect(submitted.code).toBe(0);
    const short = batchIdOf(submitted.stdout).slice(0, 8);
    const written = await pnpm(['--silent', 'batchreel', 'results', short, '--out', 'out.csv'], {
      cwd: dir,
    });
    expect(written.code).toBe(0);
    expect(parse(await readFile(join(dir, 'out.csv'), 'utf8'))).toHaveLength(3);

    // `pnpm exec batchreel` and the binary itself run where they are started.
    const nested = join(dir, 'nested');
    const viaExec = await pnpm(['exec', 'batchreel', 'submit', '../prompts.jsonl', '--dry-run'], {
      cwd: nested,
    });
    expect(viaExec).toMatchObject({ code: 0, stderr: '' });
    const direct = await cli(['submit', '../prompts.jsonl', '--dry-run'], {}, { cwd: nested });
    expect(direct).toMatchObject({ code: 0, stderr: '' });
  });

  it("passes the CLI's exit code to the shell, without pnpm's noise when silent", async () => {
    for (const args of [
      ['--silent', 'batchreel', 'status', '0000aaaa'],
      ['exec', 'batchreel', 'status', '0000aaaa'],
    ]) {
      const result = await pnpm(args, { cwd: dir });
      expect({ args, code: result.code }).toEqual({ args, code: 7 });
      expect(result.stderr).toBe('Not found: no batch of this account starts with 0000aaaa.\n');
    }
    // Plain `pnpm batchreel` passes the code too, but adds its own "[ELIFECYCLE]" line.
    const plain = await pnpm(['batchreel', 'status', '0000aaaa'], { cwd: dir });
    expect(plain.code).toBe(7);
  });
});
