import { Anchor, Breadcrumbs, Group, Tabs, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ErrorNotice, Loading } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { useUrlState } from '../components/url-state';
import { trpc } from '../trpc';
import { BillingTab } from './batch/BillingTab';
import { OverviewTab } from './batch/OverviewTab';
import { TasksTab } from './batch/TasksTab';
import { WebhookDeliveries } from './batch/WebhookDeliveries';

const TABS = ['overview', 'billing', 'tasks'] as const;
type Tab = (typeof TABS)[number];

/** One batch: Overview, Billing and Tasks tabs, the tab kept in `?tab=`. */
export function BatchPage() {
  const { t } = useTranslation();
  const { batchId = '' } = useParams();
  const { get, set } = useUrlState();
  const tab: Tab = TABS.find((x) => x === get('tab')) ?? 'overview';
  const batch = trpc.batches.get.useQuery(
    { batchId },
    {
      // Live until settled: queued → processing → settled, frozen 0 → required, counts rising.
      refetchInterval: (query) =>
        query.state.data && query.state.data.settledAt === null ? 1000 : false,
    },
  );
  const live = batch.data ? batch.data.settledAt === null : false;

  return (
    <>
      <Breadcrumbs mb="xs">
        <Anchor component={Link} to="/batches" size="sm">
          {t('batch.back')}
        </Anchor>
        <Text size="sm" ff="monospace">
          {batchId}
        </Text>
      </Breadcrumbs>
      <Group gap="sm" mb="md">
        <Title order={2}>{t('batch.title', { id: batchId.slice(0, 8) })}</Title>
        {batch.data && <StatusBadge kind="batch" value={batch.data.status} size="lg" />}
        {batch.data && (
          <Text c="dimmed" size="sm">
            {batch.data.accountName}
          </Text>
        )}
      </Group>

      {batch.data === undefined ? (
        batch.isError ? (
          <ErrorNotice error={batch.error} onRetry={batch.refetch} />
        ) : (
          <Loading />
        )
      ) : (
        <Tabs
          value={tab}
          // Each tab has its own filters and cursor; switching starts the new tab fresh.
          onChange={(value) =>
            set({ tab: value === 'overview' ? null : value, status: null, size: null, task: null })
          }
          keepMounted={false}
        >
          <Tabs.List mb="md">
            <Tabs.Tab value="overview" data-testid="tab-overview">
              {t('batch.tabs.overview')}
            </Tabs.Tab>
            <Tabs.Tab value="billing" data-testid="tab-billing">
              {t('batch.tabs.billing')}
            </Tabs.Tab>
            <Tabs.Tab value="tasks" data-testid="tab-tasks">
              {t('batch.tabs.tasks')}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="overview">
            <OverviewTab batch={batch.data} />
            <WebhookDeliveries
              batchId={batch.data.batchId}
              webhookUrl={batch.data.webhookUrl}
              live={live}
            />
          </Tabs.Panel>
          <Tabs.Panel value="billing">
            <BillingTab batchId={batch.data.batchId} live={live} />
          </Tabs.Panel>
          <Tabs.Panel value="tasks">
            <TasksTab batchId={batch.data.batchId} live={live} />
          </Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}
