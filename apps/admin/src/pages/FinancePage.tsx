import { Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AccountSelect } from '../components/AccountSelect';
import { Num } from '../components/format';
import { Page } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { isUuid, useUrlState } from '../components/url-state';
import { trpc } from '../trpc';
import { AlertsCard } from './finance/AlertsCard';
import { BudgetsCard } from './finance/BudgetsCard';
import { ProjectsCard } from './finance/ProjectsCard';
import { SettingsCard } from './finance/SettingsCard';
import { StatementsCard } from './finance/StatementsCard';
import { UsageChart } from './finance/UsageChart';

/**
 * Finance controls of one account (finance role): budgets with this month's use and a chart
 * against each cap, projects and their keys, alert settings, the alerts that fired, and the
 * monthly statements to download. Every change is a finance action the server audits.
 */
export function FinancePage() {
  const { t } = useTranslation();
  const { get, set } = useUrlState();
  const accountId = get('accountId');
  const overview = trpc.finance.overview.useQuery({ accountId }, { enabled: isUuid(accountId) });

  return (
    <Page title={t('finance.title')} subtitle={t('finance.subtitle')}>
      <AccountSelect
        value={accountId}
        onChange={(v) => set({ accountId: v })}
        placeholder={t('finance.pickAccount')}
        clearable={false}
        maw={360}
        data-testid="finance-account"
      />
      {!isUuid(accountId) ? (
        <Empty title={t('finance.pickAccount')} />
      ) : (
        <QueryState query={overview}>
          {(data) => (
            <Stack gap="md">
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <Paper withBorder p="sm" radius="md">
                  <Text size="sm" c="dimmed">
                    {t('finance.balance')}
                  </Text>
                  <Text size="xl" fw={700} data-testid="finance-balance">
                    <Num value={data.balance} />
                  </Text>
                </Paper>
                <Paper withBorder p="sm" radius="md">
                  <Text size="sm" c="dimmed">
                    {t('finance.month')}
                  </Text>
                  <Text size="xl" fw={700} data-testid="finance-period">
                    {data.period}
                  </Text>
                </Paper>
                <Paper withBorder p="sm" radius="md">
                  <Text size="sm" c="dimmed">
                    {t('finance.timeZone')}
                  </Text>
                  <Text size="xl" fw={700}>
                    {data.timeZone}
                  </Text>
                </Paper>
              </SimpleGrid>
              <BudgetsCard overview={data} />
              <UsageChart overview={data} />
              <SimpleGrid cols={{ base: 1, lg: 2 }}>
                <ProjectsCard overview={data} />
                <SettingsCard overview={data} />
              </SimpleGrid>
              <AlertsCard accountId={data.accountId} overview={data} />
              <StatementsCard accountId={data.accountId} />
            </Stack>
          )}
        </QueryState>
      )}
    </Page>
  );
}
