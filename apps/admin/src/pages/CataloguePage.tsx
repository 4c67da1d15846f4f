import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../components/errors';
import { Num } from '../components/format';
import { Page } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { usdFromMicros } from '../components/usd';
import { trpc } from '../trpc';
import { type CatalogueModel, ModelFormModal } from './catalogue/ModelFormModal';
import { describeSeconds } from './catalogue/pricing-text';
import { RetireModal } from './catalogue/RetireModal';

function Price({ model }: { model: CatalogueModel }) {
  const { t } = useTranslation();
  if (model.pricing.kind === 'per_video') {
    return <>{t('catalogue.priceFlat', { price: model.pricing.priceCredits })}</>;
  }
  return (
    <Stack gap={0}>
      {Object.entries(model.pricing.creditsPerSecond).map(([size, rate]) => (
        <Text key={size} size="sm" data-testid={`catalogue-rate-${size}`}>
          {t('catalogue.priceAt', { size, rate })}
        </Text>
      ))}
    </Stack>
  );
}

function ProviderCost({ model }: { model: CatalogueModel }) {
  const { t } = useTranslation();
  if (!model.providerCost) return <>—</>;
  const { unit, perSecond } = model.providerCost;
  return (
    <Stack gap={0}>
      {Object.entries(perSecond).map(([size, rate]) => (
        <Text key={size} size="sm">
          {t('catalogue.costAt', {
            size,
            cost: unit === 'usd_micros' ? usdFromMicros(rate) : `${rate} ${unit}`,
          })}
        </Text>
      ))}
    </Stack>
  );
}

function State({ model }: { model: CatalogueModel }) {
  const { t } = useTranslation();
  if (model.retiredAt) {
    return (
      <Stack gap={2} align="flex-start">
        <Badge color="gray" variant="light" tt="none">
          {t('catalogue.stateRetired')}
        </Badge>
        <Text size="xs" c="dimmed">
          {model.replacedBy
            ? t('catalogue.retiredFor', { replacement: model.replacedBy })
            : t('catalogue.retiredNone')}
        </Text>
      </Stack>
    );
  }
  return (
    <Badge color={model.enabled ? 'teal' : 'yellow'} variant="light" tt="none">
      {model.enabled ? t('catalogue.stateEnabled') : t('catalogue.stateDisabled')}
    </Badge>
  );
}

/** The model catalogue (admin): providers, prices per video or per second and size, retirement. */
export function CataloguePage() {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const models = trpc.models.list.useQuery();
  const [editing, setEditing] = useState<CatalogueModel | 'new' | null>(null);
  const [retiring, setRetiring] = useState<CatalogueModel | null>(null);
  const handleQueue = trpc.models.handleRetiredQueue.useMutation({
    onSuccess: (outcome) => {
      void utils.models.list.invalidate();
      notifySuccess(t('catalogue.retired', outcome));
    },
  });

  return (
    <Page
      title={t('catalogue.title')}
      subtitle={t('catalogue.subtitle')}
      actions={
        <Button onClick={() => setEditing('new')} data-testid="model-create">
          {t('catalogue.create')}
        </Button>
      }
    >
      <QueryState query={models} isEmpty={(d) => d.length === 0} empty={<Empty />}>
        {(data) => (
          <Table.ScrollContainer minWidth={1100}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.model')}</Table.Th>
                  <Table.Th>{t('catalogue.provider')}</Table.Th>
                  <Table.Th>{t('catalogue.price')}</Table.Th>
                  <Table.Th>{t('catalogue.seconds')}</Table.Th>
                  <Table.Th>{t('catalogue.sizes')}</Table.Th>
                  <Table.Th>{t('catalogue.maxConcurrency')}</Table.Th>
                  <Table.Th>{t('catalogue.providerCost')}</Table.Th>
                  <Table.Th>{t('common.status')}</Table.Th>
                  <Table.Th>{t('catalogue.queued')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.map((model) => (
                  <Table.Tr key={model.id} data-testid="catalogue-row" data-model-id={model.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {model.displayName}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {model.id}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{model.provider}</Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {model.providerModel}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Price model={model} />
                    </Table.Td>
                    <Table.Td>{describeSeconds(model.allowedSeconds)}</Table.Td>
                    <Table.Td>{model.allowedSizes.join(', ')}</Table.Td>
                    <Table.Td>
                      <Num value={model.maxConcurrency} />
                    </Table.Td>
                    <Table.Td>
                      <ProviderCost model={model} />
                    </Table.Td>
                    <Table.Td>
                      <State model={model} />
                    </Table.Td>
                    <Table.Td>
                      <Num value={model.queuedTasks} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => setEditing(model)}
                          data-testid="model-edit"
                        >
                          {t('catalogue.edit')}
                        </Button>
                        {!model.retiredAt && (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            onClick={() => setRetiring(model)}
                            data-testid="model-retire"
                          >
                            {t('catalogue.retire')}
                          </Button>
                        )}
                        {model.retiredAt && model.queuedTasks > 0 && (
                          <Button
                            size="xs"
                            variant="light"
                            color="orange"
                            loading={handleQueue.isPending}
                            onClick={() => handleQueue.mutate({ id: model.id })}
                            data-testid="model-handle-queue"
                          >
                            {t('catalogue.handleQueue')}
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      {editing && (
        <ModelFormModal
          key={editing === 'new' ? 'new' : editing.id}
          model={editing === 'new' ? null : editing}
          opened
          onClose={() => setEditing(null)}
        />
      )}
      {retiring && (
        <RetireModal
          model={retiring}
          models={models.data ?? []}
          onClose={() => setRetiring(null)}
        />
      )}
    </Page>
  );
}
