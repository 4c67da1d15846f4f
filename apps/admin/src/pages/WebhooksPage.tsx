import { DELIVERY_STATUSES } from '@batchreel/contracts';
import {
  ActionIcon,
  Anchor,
  Button,
  Code,
  Group,
  Paper,
  SimpleGrid,
  Table,
  Text,
} from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AccountSelect } from '../components/AccountSelect';
import { CodeLabel, useCodeLabels } from '../components/codes';
import { notifySuccess } from '../components/errors';
import { MONOSPACE_INPUT, UrlSelectFilter, UrlTextFilter } from '../components/filters';
import { DateTime, Num } from '../components/format';
import { Page, shortId } from '../components/Page';
import { Pager } from '../components/Pager';
import { Empty, QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { isIdPrefix, isUuid, useUrlState } from '../components/url-state';
import { type RouterOutputs, trpc } from '../trpc';

type Delivery = RouterOutputs['webhooks']['list']['items'][number];

/** Every attempt of one delivery, oldest first (also on the batch page). */
export function Attempts({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  if (delivery.attempts.length === 0) return <Text size="sm">{t('webhooks.noAttempts')}</Text>;
  return (
    <Table withTableBorder data-testid="webhook-attempts">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('webhooks.attemptTime')}</Table.Th>
          <Table.Th>{t('webhooks.statusCode')}</Table.Th>
          <Table.Th ta="right">{t('webhooks.latency')}</Table.Th>
          <Table.Th>{t('webhooks.error')}</Table.Th>
          <Table.Th>{t('webhooks.response')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {delivery.attempts.map((a) => (
          <Table.Tr key={a.attempted_at} data-testid="webhook-attempt-row">
            <Table.Td>
              <DateTime value={a.attempted_at} />
            </Table.Td>
            <Table.Td>
              {a.status_code === null ? (
                '—'
              ) : (
                <Text c={a.status_code < 300 ? 'teal' : 'red'} fw={600} size="sm">
                  {a.status_code}
                </Text>
              )}
            </Table.Td>
            <Table.Td ta="right">{t('webhooks.latencyMs', { ms: a.latency_ms })}</Table.Td>
            <Table.Td maw={280}>
              <Text size="xs">{a.error ?? '—'}</Text>
            </Table.Td>
            <Table.Td maw={360}>
              {a.response_body ? (
                <Code block style={{ maxHeight: 120, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
                  {a.response_body}
                </Code>
              ) : (
                '—'
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Webhook deliveries and their attempts, with a redeliver action ("we never got it"). */
export function WebhooksPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const { get, set } = useUrlState();
  const utils = trpc.useUtils();
  const account = get('accountId');
  const batch = get('batchId');
  const deliveries = trpc.webhooks.list.useQuery(
    {
      accountId: isUuid(account) ? account : undefined,
      batchId: isIdPrefix(batch) ? batch.trim() : undefined,
      status: DELIVERY_STATUSES.find((s) => s === get('status')),
      cursor: get('cursor') || null,
      limit: 25,
    },
    {
      placeholderData: keepPreviousData,
      // Pending deliveries are being retried in the background.
      refetchInterval: (query) =>
        query.state.data?.items.some((d) => d.status === 'pending') ? 5000 : false,
    },
  );
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const redeliver = trpc.webhooks.redeliver.useMutation({
    onSuccess: () => {
      notifySuccess(t('webhooks.redelivered'));
      void utils.webhooks.list.invalidate();
    },
  });

  return (
    <Page title={t('webhooks.title')}>
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <UrlSelectFilter
            param="status"
            label={t('common.status')}
            data={DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`status.delivery.${s}`) }))}
          />
          <AccountSelect value={account} onChange={(v) => set({ accountId: v })} />
          <UrlTextFilter
            param="batchId"
            label={t('failed.batchId')}
            placeholder={t('batches.idSearchHint')}
            validate={(v) => (isIdPrefix(v) ? null : t('common.invalidIdPrefix'))}
            styles={MONOSPACE_INPUT}
          />
        </SimpleGrid>
      </Paper>

      <QueryState
        query={deliveries}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty title={t('webhooks.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1100}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40} />
                  <Table.Th>{t('common.createdAt')}</Table.Th>
                  <Table.Th>{t('common.status')}</Table.Th>
                  <Table.Th>{t('webhooks.eventType')}</Table.Th>
                  <Table.Th>{t('webhooks.url')}</Table.Th>
                  <Table.Th>{t('common.account')}</Table.Th>
                  <Table.Th>{t('common.batch')}</Table.Th>
                  <Table.Th ta="right">{t('webhooks.attempts')}</Table.Th>
                  <Table.Th>{t('webhooks.lastError')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((d) => {
                  const open = expanded.has(d.delivery_id);
                  return (
                    <Fragment key={d.delivery_id}>
                      <Table.Tr data-testid="webhook-row">
                        <Table.Td>
                          <ActionIcon
                            variant="subtle"
                            size="sm"
                            aria-expanded={open}
                            aria-label={open ? t('common.collapse') : t('common.expand')}
                            onClick={() => toggle(d.delivery_id)}
                            data-testid="webhook-expand"
                          >
                            {open ? '▾' : '▸'}
                          </ActionIcon>
                        </Table.Td>
                        <Table.Td>
                          <DateTime value={d.created_at} />
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge kind="delivery" value={d.status} />
                        </Table.Td>
                        <Table.Td>
                          <CodeLabel
                            label={labels.webhookEvent(d.event_type)}
                            code={d.event_type}
                          />
                        </Table.Td>
                        <Table.Td maw={260}>
                          <Text size="xs" truncate title={d.url}>
                            {d.url}
                          </Text>
                        </Table.Td>
                        <Table.Td>{d.account_name}</Table.Td>
                        <Table.Td>
                          {d.batch_id ? (
                            <Anchor
                              component={Link}
                              to={`/batches/${d.batch_id}`}
                              ff="monospace"
                              title={d.batch_id}
                            >
                              {shortId(d.batch_id)}
                            </Anchor>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                        <Table.Td ta="right">
                          <Num value={d.attempt_count} />
                        </Table.Td>
                        <Table.Td maw={240}>
                          <Text size="xs" lineClamp={2}>
                            {d.last_error ?? '—'}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {d.status !== 'pending' && (
                            <Button
                              size="xs"
                              variant="light"
                              loading={
                                redeliver.isPending &&
                                redeliver.variables?.deliveryId === d.delivery_id
                              }
                              onClick={() => redeliver.mutate({ deliveryId: d.delivery_id })}
                              data-testid="redeliver-button"
                            >
                              {t('webhooks.redeliver')}
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                      {open && (
                        <Table.Tr>
                          <Table.Td />
                          <Table.Td colSpan={9}>
                            <Group mb="xs" gap="xl">
                              <Text size="xs" c="dimmed">
                                {t('webhooks.nextAttempt')}: <DateTime value={d.next_attempt_at} />
                              </Text>
                              <Text size="xs" c="dimmed" ff="monospace">
                                {d.event_id}
                              </Text>
                            </Group>
                            <Attempts delivery={d} />
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={deliveries.data?.nextCursor} fetching={deliveries.isFetching} />
    </Page>
  );
}
