import {
  type ItemsFileProblem,
  itemOfPath,
  itemsFileFormat,
  type ParsedItemsFile,
  parseItemsFile,
} from '@batchreel/contracts/items-file';
import {
  Alert,
  Badge,
  Button,
  FileInput,
  Group,
  List,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { AccountSelect } from '../components/AccountSelect';
import { notifySuccess } from '../components/errors';
import { Num, useFormat } from '../components/format';
import { Page } from '../components/Page';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

type Item = RouterInputs['batches']['create']['request']['items'][number];
type Quote = RouterOutputs['batches']['quote'];
/**
 * Reads a CSV (header row with a `prompt` column) or a JSON Lines file exactly as the CLI does
 * (`@batchreel/contracts`); items may leave their model to the page's default.
 */
async function parseFile(file: File): Promise<ParsedItemsFile> {
  const format = itemsFileFormat(file.name) ?? 'csv';
  return parseItemsFile(await file.text(), { format, modelOptional: true });
}

/** How many problems of a file the page lists (the rest are counted). */
const MAX_PROBLEMS_SHOWN = 20;

function QuoteFigure({
  label,
  testId,
  children,
}: {
  label: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <div>
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text fw={700} size="lg" component="div" data-testid={testId}>
        {children}
      </Text>
    </div>
  );
}

/**
 * Creates a batch for an account from the admin (finance): items pasted or uploaded, a quote
 * first (what it costs, whether the account can pay), then a confirmation that admits it exactly
 * like the public API would.
 */
export function NewBatchPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const format = useFormat();
  const models = trpc.ledger.models.useQuery(undefined, { staleTime: 60_000 });
  const enabledModels = (models.data ?? []).filter((m) => m.enabled);
  const [accountId, setAccountId] = useState('');
  const [source, setSource] = useState<'paste' | 'file'>('paste');
  const [prompts, setPrompts] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [parsed, setParsed] = useState<ParsedItemsFile | null>(null);
  const [model, setModel] = useState<string | null>(null);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [quoted, setQuoted] = useState<{ key: string; quote: Quote } | null>(null);
  const defaultModel = model ?? enabledModels[0]?.id ?? '';

  /**
   * `items[3].model` → "Task #3 · model: ", with the file line the item came from when it came
   * from a file (the API's message follows as it wrote it).
   */
  const problemPlace = (path: string) => {
    const fromFile = source === 'file' && parsed ? itemOfPath(parsed.lines, path) : undefined;
    if (fromFile) {
      const { task, line, field } = fromFile;
      return `${t('newBatch.itemLineProblem', { index: task, line: format.number(line), field })}: `;
    }
    const item = /^items\[(\d+)\]\.?(.*)$/.exec(path);
    if (item) return `${t('newBatch.itemProblem', { index: item[1], field: item[2] })}: `;
    return path ? `${path}: ` : '';
  };
  /** A problem of the file in the reader's language, numbers formatted for it. */
  const fileProblem = (problem: ItemsFileProblem) => {
    const values = Object.fromEntries(
      Object.entries(problem.params).map(([name, value]) => [
        name,
        typeof value === 'number' ? format.number(value) : value,
      ]),
    );
    const message = t(`newBatch.fileProblem.${problem.code}`, values);
    if (problem.line === undefined) return message;
    return problem.task === undefined
      ? t('newBatch.lineError', { line: format.number(problem.line), message })
      : t('newBatch.lineTaskError', {
          line: format.number(problem.line),
          index: problem.task,
          message,
        });
  };

  const request = useMemo(() => {
    const items: Item[] =
      source === 'paste'
        ? prompts
            .split(/\r?\n/)
            .map((line) => line.trim())
            .filter(Boolean)
            .map((prompt) => ({ prompt, model: defaultModel }))
        : (parsed?.items ?? []).map((item) => ({ ...item, model: item.model ?? defaultModel }));
    return { items, ...(webhookUrl.trim() ? { webhook_url: webhookUrl.trim() } : {}) };
  }, [source, prompts, parsed, defaultModel, webhookUrl]);
  // A quote is only good for exactly what was quoted.
  const key = JSON.stringify([accountId, request]);
  const quote = quoted?.key === key ? quoted.quote : null;

  const getQuote = trpc.batches.quote.useMutation({
    onSuccess: (result, input) =>
      setQuoted({ key: JSON.stringify([input.accountId, input.request]), quote: result }),
  });
  const create = trpc.batches.create.useMutation({
    onSuccess: ({ batchId }) => {
      notifySuccess(t('newBatch.created'));
      void navigate(`/batches/${batchId}`);
    },
  });

  const onFile = (value: File | null) => {
    setFile(value);
    setParsed(null);
    if (value) void parseFile(value).then(setParsed);
  };

  // A file with problems is not sent: its good items would get other task numbers.
  const fileHasProblems = source === 'file' && (parsed?.problems.length ?? 0) > 0;
  const problem = !accountId
    ? t('newBatch.pickAccount')
    : fileHasProblems
      ? t('newBatch.fixFile')
      : request.items.length === 0
        ? t('newBatch.noItems')
        : null;

  return (
    <Page title={t('newBatch.title')} subtitle={t('newBatch.subtitle')}>
      <Paper withBorder p="md">
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <AccountSelect
              value={accountId}
              onChange={setAccountId}
              clearable={false}
              placeholder={t('newBatch.pickAccount')}
              required
              data-testid="new-batch-account"
            />
            <Select
              label={t('newBatch.defaultModel')}
              data={enabledModels.map((m) => ({
                value: m.id,
                label:
                  m.priceCredits !== null
                    ? t('newBatch.modelOption', {
                        name: m.displayName || m.id,
                        price: format.number(m.priceCredits),
                      })
                    : t('newBatch.modelOptionPerSecond', {
                        name: m.displayName || m.id,
                        price: format.number(Math.min(...Object.values(m.creditsPerSecond ?? {}))),
                      }),
              }))}
              value={defaultModel || null}
              onChange={setModel}
              allowDeselect={false}
              data-testid="new-batch-model"
            />
          </SimpleGrid>

          <SegmentedControl
            aria-label={t('newBatch.source')}
            value={source}
            onChange={(v) => setSource(v === 'file' ? 'file' : 'paste')}
            data={[
              { value: 'paste', label: t('newBatch.paste') },
              { value: 'file', label: t('newBatch.upload') },
            ]}
            data-testid="new-batch-source"
          />
          {source === 'paste' ? (
            <Textarea
              label={t('newBatch.prompts')}
              value={prompts}
              onChange={(e) => setPrompts(e.currentTarget.value)}
              autosize
              minRows={6}
              maxRows={16}
              description={t('newBatch.itemsCount', { count: request.items.length })}
              data-testid="new-batch-prompts"
            />
          ) : (
            <Stack gap="xs">
              <FileInput
                label={t('newBatch.file')}
                description={t('newBatch.fileHint')}
                accept=".csv,.jsonl,.ndjson,.json,text/csv"
                value={file}
                onChange={onFile}
                clearable
                data-testid="new-batch-file"
              />
              {parsed && (
                <Text size="sm" data-testid="new-batch-parsed">
                  {t('newBatch.parsedItems', { count: parsed.items.length })}
                </Text>
              )}
              {parsed && parsed.problems.length > 0 && (
                <Alert
                  color="yellow"
                  title={t('newBatch.parseErrors')}
                  data-testid="new-batch-file-problems"
                >
                  <List size="sm">
                    {parsed.problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => (
                      <List.Item key={`${p.line}:${p.code}:${p.message}`}>
                        {fileProblem(p)}
                      </List.Item>
                    ))}
                  </List>
                  {parsed.problems.length > MAX_PROBLEMS_SHOWN && (
                    <Text size="sm" mt="xs">
                      {t('newBatch.moreProblems', {
                        count: parsed.problems.length - MAX_PROBLEMS_SHOWN,
                      })}
                    </Text>
                  )}
                </Alert>
              )}
            </Stack>
          )}

          <TextInput
            label={t('newBatch.webhookUrl')}
            value={webhookUrl}
            onChange={(e) => setWebhookUrl(e.currentTarget.value)}
            placeholder="https://"
          />

          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {problem}
            </Text>
            <Button
              onClick={() => getQuote.mutate({ accountId, request })}
              disabled={problem !== null}
              loading={getQuote.isPending}
              data-testid="quote-button"
            >
              {t('newBatch.getQuote')}
            </Button>
          </Group>
        </Stack>
      </Paper>

      {quote && (
        <Paper withBorder p="md" data-testid="quote-result">
          <Stack>
            <Text fw={600}>{t('newBatch.quote')}</Text>
            <SimpleGrid cols={{ base: 2, sm: 5 }}>
              <QuoteFigure label={t('newBatch.items')} testId="quote-items">
                <Num value={quote.totalCount} />
              </QuoteFigure>
              <QuoteFigure label={t('newBatch.costPerVideo')} testId="quote-cost">
                {quote.costPerVideo === null ? (
                  t('newBatch.mixed')
                ) : (
                  <Num value={quote.costPerVideo} />
                )}
              </QuoteFigure>
              <QuoteFigure label={t('newBatch.required')} testId="quote-required">
                <Num value={quote.requiredCredits} />
              </QuoteFigure>
              <QuoteFigure label={t('newBatch.available')} testId="quote-available">
                <Num value={quote.availableCredits} />
              </QuoteFigure>
              <QuoteFigure label={t('newBatch.admitted')} testId="quote-admit">
                <Badge color={quote.wouldAdmit ? 'teal' : 'red'} tt="none" size="lg">
                  {quote.wouldAdmit ? t('newBatch.wouldAdmit') : t('newBatch.wouldRefuse')}
                </Badge>
              </QuoteFigure>
            </SimpleGrid>
            {quote.problems.length > 0 && (
              <Alert color="red" title={t('newBatch.problems')} data-testid="quote-problems">
                <List size="sm">
                  {quote.problems.slice(0, 20).map((p) => (
                    <List.Item key={`${p.path}:${p.message}`}>
                      {problemPlace(p.path)}
                      {p.message}
                    </List.Item>
                  ))}
                </List>
              </Alert>
            )}
            <Group justify="flex-end">
              <Button
                color="teal"
                disabled={!quote.wouldAdmit}
                loading={create.isPending}
                onClick={() => create.mutate({ accountId, request })}
                data-testid="confirm-button"
              >
                {t('common.confirm')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
    </Page>
  );
}
