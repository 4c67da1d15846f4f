import { Anchor, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { notifySuccess } from '../../components/errors';
import { DateTime, useFormat } from '../../components/format';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { type RouterOutputs, trpc } from '../../trpc';
import { Attempts } from '../WebhooksPage';

type Delivery = RouterOutputs['webhooks']['list']['items'][number];

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 58 minutes" / "58 分钟后": how far away the next attempt is, in the largest fitting unit. */
function useRelative() {
  const { locale } = useFormat();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  return (value: string) => {
    const ms = new Date(value).getTime() - Date.now();
    const [unit, size] = UNITS.find(([, size]) => Math.abs(ms) >= size) ?? ['second', 1000];
    return format.format(Math.round(ms / size), unit);
  };
}

/** Where one event stands: delivered when, retried when, or given up. */
function State({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  const relative = useRelative();
  if (delivery.status === 'delivered') {
    return (
      <Text size="sm" c="dimmed">
        {t('batchWebhooks.deliveredAt')} <DateTime value={delivery.delivered_at} />
      </Text>
    );
  }
  if (delivery.status === 'failed') {
    return (
      <Text size="sm" c="red">
        {t('batchWebhooks.exhausted')}
      </Text>
    );
  }
  return (
    <Text size="sm" data-testid="batch-webhook-next-attempt">
      {delivery.attempt_count > 0 ? t('batchWebhooks.retrying') : t('batchWebhooks.firstAttempt')}{' '}
      {delivery.next_attempt_at && (
        <>
          <DateTime value={delivery.next_attempt_at} /> ({relative(delivery.next_attempt_at)})
        </>
      )}
    </Text>
  );
}

/**
 * The batch's webhook events on its Overview: has the client been told, and if not, why and when
 * it is tried next. Every attempt with its answer or error; redelivery once retries are over (every
 * staff role may, as on the Webhooks page).
 */
export function WebhookDeliveries({
  batchId,
  webhookUrl,
  live,
}: {
  batchId: string;
  webhookUrl: string | null;
  live: boolean;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const deliveries = trpc.webhooks.list.useQuery(
    { batchId, limit: 25 },
    {
      enabled: webhookUrl !== null,
      // Events appear as the batch runs; pending ones are retried in the background.
      refetchInterval: (query) =>
        live || query.state.data?.items.some((d) => d.status === 'pending') ? 5000 : false,
    },
  );
  const redeliver = trpc.webhooks.redeliver.useMutation({
    onSuccess: () => {
      notifySuccess(t('webhooks.redelivered'));
      void utils.webhooks.list.invalidate();
    },
  });

  return (
    <Paper withBorder p="sm" radius="md" mt="md" data-testid="batch-webhooks">
      <Group justify="space-between" mb="xs">
        <Title order={4}>{t('batchWebhooks.title')}</Title>
        {webhookUrl !== null && (
          <Anchor component={Link} to={`/webhooks?batchId=${batchId}`} size="sm">
            {t('batchWebhooks.openAll')}
          </Anchor>
        )}
      </Group>
      {webhookUrl === null ? (
        <Text size="sm" c="dimmed">
          {t('batchWebhooks.noUrl')}
        </Text>
      ) : (
        <QueryState
          query={deliveries}
          isEmpty={(data) => data.items.length === 0}
          empty={
            <Text size="sm" c="dimmed" data-testid="batch-webhooks-none">
              {t('batchWebhooks.noneYet')}
            </Text>
          }
        >
          {(data) => (
            <Stack gap="sm">
              {/* Oldest first: the story of the batch (processing, then completed). */}
              {[...data.items].reverse().map((d) => (
                <Paper
                  key={d.delivery_id}
                  withBorder
                  p="xs"
                  radius="sm"
                  data-testid="batch-webhook-delivery"
                >
                  <Group justify="space-between" mb={6} wrap="nowrap">
                    <Group gap="sm">
                      <Code>{d.event_type}</Code>
                      <StatusBadge
                        kind="delivery"
                        value={d.status}
                        data-testid="batch-webhook-status"
                      />
                      <Text size="sm" data-testid="batch-webhook-attempt-count">
                        {t('batchWebhooks.attempts', { count: d.attempt_count })}
                      </Text>
                      <State delivery={d} />
                    </Group>
                    {d.status !== 'pending' && (
                      <Button
                        size="xs"
                        variant="light"
                        loading={
                          redeliver.isPending && redeliver.variables?.deliveryId === d.delivery_id
                        }
                        onClick={() => redeliver.mutate({ deliveryId: d.delivery_id })}
                        data-testid="batch-webhook-redeliver"
                      >
                        {t('webhooks.redeliver')}
                      </Button>
                    )}
                  </Group>
                  <Text
                    size="xs"
                    c="dimmed"
                    ff="monospace"
                    mb={6}
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {d.event_id} → {d.url}
                  </Text>
                  <Attempts delivery={d} />
                </Paper>
              ))}
            </Stack>
          )}
        </QueryState>
      )}
    </Paper>
  );
}
