import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../../auth';
import { notifyError, notifySuccess } from '../../components/errors';
import { DateTime, Num, useFormat } from '../../components/format';
import { StatusBadge } from '../../components/StatusBadge';
import { type RouterOutputs, trpc } from '../../trpc';

type Batch = RouterOutputs['batches']['get'];

/** One headline figure: label above, value (with its test id) below, an optional hint. */
function Figure({
  label,
  testId,
  hint,
  children,
}: {
  label: string;
  testId: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="sm" c="dimmed" fw={500} data-testid={`${testId}-label`}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId} component="div" mt={4}>
        {children}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed" data-testid={`${testId}-hint`}>
          {hint}
        </Text>
      )}
    </Paper>
  );
}

/** Finance's "retry the failed tasks" (the public API's retry-failed, audited): a new batch. */
function RetryFailedButton({ batch }: { batch: Batch }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const retry = trpc.batches.retryFailed.useMutation({
    onSuccess: (made) => {
      notifySuccess(t('batch.overview.retryCreated'));
      void navigate(`/batches/${made.batchId}`);
    },
    onError: (error) => notifyError(t, error),
  });
  return (
    <Button
      size="xs"
      variant="light"
      loading={retry.isPending}
      onClick={() => retry.mutate({ batchId: batch.batchId })}
      data-testid="retry-failed"
    >
      {t('batch.overview.retryFailed', { count: batch.failedCount })}
    </Button>
  );
}

const batchLink = (id: string) => (
  <Anchor component={Link} to={`/batches/${id}`} key={id} ff="monospace" size="sm">
    {id.slice(0, 8)}
  </Anchor>
);

export function OverviewTab({ batch }: { batch: Batch }) {
  const canRetry = useCan('finance') && batch.settledAt !== null && batch.failedCount > 0;
  const { t } = useTranslation();
  const format = useFormat();
  const finished = batch.totalCount - batch.pendingCount;
  const ratio = batch.totalCount > 0 ? finished / batch.totalCount : 0;
  const notYet = t('batch.overview.notYet');
  // Until settlement, spent and refunded are figures so far and part of the freeze is still held
  // for unfinished tasks; the four always add up (frozen = spent + refunded + still frozen).
  const settled = batch.settledAt !== null;
  const stillFrozenHint = settled
    ? t('batch.overview.stillFrozenSettled')
    : batch.frozenCredits === 0
      ? t('batch.overview.stillFrozenWaiting')
      : t('batch.overview.stillFrozenHint', {
          count: batch.pendingCount,
          n: format.number(batch.pendingCount),
        });

  const details: [string, ReactNode][] = [
    [
      t('batch.overview.account'),
      <Anchor component={Link} to={`/batches?accountId=${batch.accountId}`} key="account">
        {batch.accountName}
      </Anchor>,
    ],
    [
      t('batch.overview.settlementStatus'),
      <StatusBadge
        kind="settlement"
        value={batch.settlementStatus}
        data-testid="overview-settlement"
        key="s"
      />,
    ],
    [
      t('batch.overview.costPerVideo'),
      batch.costPerVideo === null ? (
        t('batch.overview.mixedPrices')
      ) : (
        <Num value={batch.costPerVideo} key="cpv" />
      ),
    ],
    [t('batch.overview.required'), <Num value={batch.requiredCredits} key="r" />],
    [
      settled ? t('batch.overview.netSpent') : t('batch.overview.netChargedSoFar'),
      <Group gap="xs" key="n">
        <Num value={batch.netSpentCredits} data-testid="overview-net-spent" />
        {!settled && (
          <Text size="sm" c="dimmed" data-testid="overview-net-detail">
            {t('batch.overview.netSoFarDetail', {
              spent: format.number(batch.creditsSpent),
              pending: format.number(batch.pendingCredits),
            })}
          </Text>
        )}
      </Group>,
    ],
    [t('batch.overview.canceled'), <Num value={batch.canceledCount} key="c" />],
    [t('batch.overview.createdAt'), <DateTime value={batch.createdAt} key="ca" />],
    [t('batch.overview.startedAt'), <DateTime value={batch.startedAt} empty={notYet} key="sa" />],
    [t('batch.overview.finishedAt'), <DateTime value={batch.finishedAt} empty={notYet} key="fa" />],
    [t('batch.overview.settledAt'), <DateTime value={batch.settledAt} empty={notYet} key="se" />],
    [t('batch.overview.requestId'), <Code key="req">{batch.requestId ?? '—'}</Code>],
    [t('batch.overview.webhookUrl'), batch.webhookUrl ?? '—'],
  ];
  if (batch.retriedFromBatchId) {
    details.push([t('batch.overview.retriedFrom'), batchLink(batch.retriedFromBatchId)]);
  }
  if (batch.retryBatchIds.length > 0) {
    details.push([
      t('batch.overview.retries'),
      <Group gap="xs" key="retries" data-testid="overview-retries">
        {batch.retryBatchIds.map(batchLink)}
      </Group>,
    ]);
  }
  if (batch.metadata && Object.keys(batch.metadata).length > 0) {
    details.push([
      t('batch.overview.metadata'),
      <Code block key="meta">
        {JSON.stringify(batch.metadata, null, 2)}
      </Code>,
    ]);
  }

  return (
    <Stack gap="md">
      {batch.integrityError && (
        <Alert color="red" data-testid="overview-integrity-error">
          {t('batch.overview.integrityError', { message: batch.integrityError })}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }}>
        <Figure label={t('batch.overview.status')} testId="overview-status-figure">
          <StatusBadge kind="batch" value={batch.status} size="lg" data-testid="overview-status" />
        </Figure>
        <Figure label={t('batch.overview.total')} testId="overview-total">
          <Num value={batch.totalCount} />
        </Figure>
        <Figure label={t('batch.overview.success')} testId="overview-success">
          <Num value={batch.successCount} />
        </Figure>
        <Figure label={t('batch.overview.failed')} testId="overview-failed">
          <Num value={batch.failedCount} />
        </Figure>
        <Figure label={t('batch.overview.frozen')} testId="overview-frozen">
          <Num value={batch.frozenCredits} />
        </Figure>
        <Figure
          label={settled ? t('batch.overview.spent') : t('batch.overview.spentSoFar')}
          testId="overview-spent"
        >
          <Num value={batch.creditsSpent} />
        </Figure>
        <Figure
          label={settled ? t('batch.overview.refunded') : t('batch.overview.refundedSoFar')}
          testId="overview-refunded"
        >
          <Num value={batch.refundedCredits} />
        </Figure>
        <Figure
          label={t('batch.overview.stillFrozen')}
          testId="overview-still-frozen"
          hint={stillFrozenHint}
        >
          <Num value={batch.pendingCredits} />
        </Figure>
      </SimpleGrid>
      {canRetry && (
        <Group>
          <RetryFailedButton batch={batch} />
        </Group>
      )}
      <Text size="sm" c="dimmed" data-testid="overview-equation">
        {t('batch.overview.equation', {
          frozen: format.number(batch.frozenCredits),
          spent: format.number(batch.creditsSpent),
          refunded: format.number(batch.refundedCredits),
          pending: format.number(batch.pendingCredits),
        })}
      </Text>

      <Paper withBorder p="sm" radius="md">
        <Group justify="space-between" mb={6}>
          <Text size="sm" data-testid="overview-progress-label">
            {t('batch.overview.progress', { finished, total: batch.totalCount })}
          </Text>
          {batch.settledAt === null && (
            <Text size="xs" c="dimmed">
              {t('batch.overview.live')}
            </Text>
          )}
        </Group>
        <Progress.Root size="lg" data-testid="overview-progress">
          <Progress.Section
            value={(batch.successCount / Math.max(batch.totalCount, 1)) * 100}
            color="teal"
          />
          <Progress.Section
            value={(batch.failedCount / Math.max(batch.totalCount, 1)) * 100}
            color="red"
          />
          <Progress.Section
            value={(batch.canceledCount / Math.max(batch.totalCount, 1)) * 100}
            color="gray"
          />
        </Progress.Root>
        <Text size="xs" c="dimmed" mt={4} aria-hidden>
          {format.percent(ratio)}
        </Text>
      </Paper>

      <Paper withBorder radius="md">
        <Table variant="vertical" layout="fixed">
          <Table.Tbody>
            {details.map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th w={200}>{label}</Table.Th>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
