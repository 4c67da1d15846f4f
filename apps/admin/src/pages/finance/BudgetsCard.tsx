import { Badge, Button, Group, Paper, Progress, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { Num } from '../../components/format';
import { trpc } from '../../trpc';
import { BudgetForm } from './BudgetForm';
import { type BudgetView, budgetTarget, type Overview } from './types';

/** The account's budgets with this month's use: cap, used, left, thresholds (fired marked). */
export function BudgetsCard({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const [editing, setEditing] = useState<BudgetView | 'new' | null>(null);
  const remove = trpc.finance.deleteBudget.useMutation({
    onSuccess: () => {
      notifySuccess(t('finance.deleted'));
      void utils.finance.invalidate();
    },
  });

  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('finance.budgets')}</Title>
        <Button size="xs" onClick={() => setEditing('new')} data-testid="budget-new">
          {t('finance.newBudget')}
        </Button>
      </Group>
      {overview.budgets.length === 0 ? (
        <Text c="dimmed">{t('finance.noBudgets')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped data-testid="budgets-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('finance.target')}</Table.Th>
                <Table.Th>{t('common.model')}</Table.Th>
                <Table.Th>{t('finance.enforcementLabel')}</Table.Th>
                <Table.Th ta="right">{t('finance.cap')}</Table.Th>
                <Table.Th ta="right">{t('finance.used')}</Table.Th>
                <Table.Th ta="right">{t('finance.left')}</Table.Th>
                <Table.Th miw={140} />
                <Table.Th>{t('finance.thresholds')}</Table.Th>
                <Table.Th>{t('common.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {overview.budgets.map((budget) => {
                const ratio = budget.usedCredits / budget.capCredits;
                return (
                  <Table.Tr key={budget.id} data-testid={`budget-row-${budget.id}`}>
                    <Table.Td>{budgetTarget(t, overview, budget)}</Table.Td>
                    <Table.Td>{budget.model ?? t('finance.allModels')}</Table.Td>
                    <Table.Td>
                      <Badge
                        variant="light"
                        tt="none"
                        maw="none"
                        color={budget.enforcement === 'hard' ? 'red' : 'yellow'}
                      >
                        {t(`finance.enforcement.${budget.enforcement}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={budget.capCredits} data-testid="budget-cap" />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={budget.usedCredits} data-testid="budget-used" />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={budget.remainingCredits} />
                    </Table.Td>
                    <Table.Td>
                      <Progress
                        value={Math.min(100, ratio * 100)}
                        color={ratio >= 1 ? 'red' : ratio >= 0.8 ? 'yellow' : 'teal'}
                        aria-label={t('finance.used')}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {budget.thresholdPercents.map((percent) => {
                          const fired = budget.firedThresholds.includes(percent);
                          return (
                            <Badge
                              key={percent}
                              size="sm"
                              variant={fired ? 'filled' : 'outline'}
                              color={fired ? 'orange' : 'gray'}
                              title={fired ? t('finance.fired') : undefined}
                              data-testid={fired ? 'threshold-fired' : 'threshold'}
                            >
                              {percent} %
                            </Badge>
                          );
                        })}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() => setEditing(budget)}
                        >
                          {t('finance.editBudget')}
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          loading={remove.isPending}
                          onClick={() => {
                            if (window.confirm(t('finance.deleteConfirm')))
                              remove.mutate({ accountId: overview.accountId, budgetId: budget.id });
                          }}
                        >
                          {t('finance.deleteBudget')}
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && (
        <BudgetForm
          key={editing === 'new' ? 'new' : editing.id}
          overview={overview}
          budget={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </Paper>
  );
}
