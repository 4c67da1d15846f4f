import { ITEM_SIZE_PATTERN, LIMITS } from '@batchreel/contracts';
import {
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { usdFromMicros } from '../../components/usd';
import { type RouterInputs, type RouterOutputs, trpc } from '../../trpc';
import { parseSeconds } from './pricing-text';

export type CatalogueModel = RouterOutputs['models']['list'][number];
type Settings = RouterInputs['models']['create'];

type Amount = number | string;

interface FormState {
  id: string;
  displayName: string;
  provider: string;
  providerModel: string;
  pricingKind: 'per_video' | 'per_second';
  priceCredits: Amount;
  creditsPerSecond: Record<string, Amount>;
  sizes: string[];
  seconds: string;
  maxConcurrency: Amount;
  hasProviderCost: boolean;
  costUnit: string;
  costPerSecond: Record<string, Amount>;
  enabled: boolean;
}

function initialState(model: CatalogueModel | null): FormState {
  if (!model) {
    return {
      id: '',
      displayName: '',
      provider: 'simulator',
      providerModel: '',
      pricingKind: 'per_second',
      priceCredits: '',
      creditsPerSecond: {},
      sizes: ['1280x720'],
      seconds: '4, 8',
      maxConcurrency: 8,
      hasProviderCost: true,
      costUnit: 'usd_micros',
      costPerSecond: {},
      enabled: true,
    };
  }
  return {
    id: model.id,
    displayName: model.displayName,
    provider: model.provider,
    providerModel: model.providerModel,
    pricingKind: model.pricing.kind,
    priceCredits: model.pricing.kind === 'per_video' ? model.pricing.priceCredits : '',
    creditsPerSecond: model.pricing.kind === 'per_second' ? model.pricing.creditsPerSecond : {},
    sizes: model.allowedSizes,
    seconds: model.allowedSeconds.join(', '),
    maxConcurrency: model.maxConcurrency,
    hasProviderCost: model.providerCost !== null,
    costUnit: model.providerCost?.unit ?? 'usd_micros',
    costPerSecond: model.providerCost?.perSecond ?? {},
    enabled: model.enabled,
  };
}

const whole = (value: Amount) =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : null;

/** The form as the procedure's input, or the first thing to fix. */
function toSettings(form: FormState): { settings: Settings } | { problem: string } {
  const seconds = parseSeconds(form.seconds);
  if (!seconds) return { problem: 'seconds' };
  if (form.sizes.length === 0 || !form.sizes.every((s) => ITEM_SIZE_PATTERN.test(s)))
    return { problem: 'sizes' };
  const limit = whole(form.maxConcurrency);
  if (limit === null || limit < 1) return { problem: 'maxConcurrency' };
  let pricing: Settings['pricing'];
  if (form.pricingKind === 'per_video') {
    const price = whole(form.priceCredits);
    if (price === null || price < 1) return { problem: 'price' };
    pricing = { kind: 'per_video', priceCredits: price };
  } else {
    const rates: Record<string, number> = {};
    for (const size of form.sizes) {
      const rate = whole(form.creditsPerSecond[size] ?? '');
      if (rate === null || rate < 1) return { problem: 'price' };
      rates[size] = rate;
    }
    pricing = { kind: 'per_second', creditsPerSecond: rates };
  }
  let providerCost: Settings['providerCost'] = null;
  if (form.hasProviderCost) {
    const perSecond: Record<string, number> = {};
    for (const size of form.sizes) {
      const rate = whole(form.costPerSecond[size] ?? '');
      if (rate !== null && rate >= 0) perSecond[size] = rate;
    }
    if (Object.keys(perSecond).length === 0) return { problem: 'providerCost' };
    providerCost = { unit: form.costUnit.trim(), perSecond };
  }
  return {
    settings: {
      id: form.id.trim(),
      displayName: form.displayName.trim(),
      provider: form.provider as Settings['provider'],
      providerModel: form.providerModel.trim(),
      pricing,
      allowedSeconds: seconds,
      allowedSizes: form.sizes,
      maxConcurrency: limit,
      providerCost,
      enabled: form.enabled,
    },
  };
}

/** Creates a model (`model` null) or edits one: provider, prices, lengths, sizes, costs. */
export function ModelFormModal({
  model,
  opened,
  onClose,
}: {
  model: CatalogueModel | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const providers = trpc.models.providers.useQuery(undefined, { staleTime: Infinity });
  const [form, setForm] = useState(() => initialState(model));
  const [problem, setProblem] = useState<string | null>(null);
  const set = (patch: Partial<FormState>) => setForm((previous) => ({ ...previous, ...patch }));
  const done = () => {
    void utils.models.list.invalidate();
    void utils.ledger.models.invalidate();
    notifySuccess(t(model ? 'catalogue.saved' : 'catalogue.created'));
    onClose();
  };
  const create = trpc.models.create.useMutation({ onSuccess: done });
  const update = trpc.models.update.useMutation({ onSuccess: done });
  const retired = model?.retiredAt != null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const result = toSettings(form);
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setProblem(null);
    if (model) update.mutate({ ...result.settings, id: model.id });
    else create.mutate(result.settings);
  };
  const error = (field: string) =>
    problem === field
      ? t(`catalogue.problems.${field}` as 'catalogue.problems.seconds', {
          max: LIMITS.maxSeconds,
        })
      : null;
  const isCurrency = form.costUnit === 'usd_micros';

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="xl"
      title={model ? t('catalogue.editTitle', { id: model.id }) : t('catalogue.createTitle')}
    >
      <form onSubmit={onSubmit}>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t('catalogue.id')}
              description={t('catalogue.idHint')}
              value={form.id}
              onChange={(e) => set({ id: e.currentTarget.value })}
              disabled={model !== null}
              required
              data-testid="model-form-id"
            />
            <TextInput
              label={t('catalogue.displayName')}
              value={form.displayName}
              onChange={(e) => set({ displayName: e.currentTarget.value })}
              required
              data-testid="model-form-name"
            />
            <Select
              label={t('catalogue.provider')}
              data={providers.data ?? [form.provider]}
              value={form.provider}
              onChange={(v) => v && set({ provider: v })}
              allowDeselect={false}
              data-testid="model-form-provider"
            />
            <TextInput
              label={t('catalogue.providerModel')}
              description={t('catalogue.providerModelHint')}
              value={form.providerModel}
              onChange={(e) => set({ providerModel: e.currentTarget.value })}
              required
              data-testid="model-form-provider-model"
            />
            <TagsInput
              label={t('catalogue.sizes')}
              description={t('catalogue.sizesHint')}
              value={form.sizes}
              onChange={(sizes) => set({ sizes })}
              error={error('sizes')}
              data-testid="model-form-sizes"
            />
            <TextInput
              label={t('catalogue.seconds')}
              description={t('catalogue.secondsHint')}
              value={form.seconds}
              onChange={(e) => set({ seconds: e.currentTarget.value })}
              error={error('seconds')}
              data-testid="model-form-seconds"
            />
            <NumberInput
              label={t('catalogue.maxConcurrency')}
              value={form.maxConcurrency}
              onChange={(v) => set({ maxConcurrency: v })}
              min={1}
              allowDecimal={false}
              error={error('maxConcurrency')}
              data-testid="model-form-limit"
            />
            <Checkbox
              mt="xl"
              label={t('catalogue.enabled')}
              checked={form.enabled}
              disabled={retired}
              onChange={(e) => set({ enabled: e.currentTarget.checked })}
              data-testid="model-form-enabled"
            />
          </SimpleGrid>

          <SegmentedControl
            aria-label={t('catalogue.pricing')}
            value={form.pricingKind}
            onChange={(v) => set({ pricingKind: v === 'per_video' ? 'per_video' : 'per_second' })}
            data={[
              { value: 'per_second', label: t('catalogue.perSecond') },
              { value: 'per_video', label: t('catalogue.perVideo') },
            ]}
            data-testid="model-form-pricing"
          />
          {form.pricingKind === 'per_video' && (
            <NumberInput
              label={t('catalogue.pricePerVideo')}
              value={form.priceCredits}
              onChange={(v) => set({ priceCredits: v })}
              min={1}
              allowDecimal={false}
              error={error('price')}
              data-testid="model-form-price"
            />
          )}
          <Checkbox
            label={t('catalogue.hasProviderCost')}
            checked={form.hasProviderCost}
            onChange={(e) => set({ hasProviderCost: e.currentTarget.checked })}
            data-testid="model-form-has-cost"
          />
          {form.hasProviderCost && (
            <TextInput
              label={t('catalogue.costUnit')}
              description={t('catalogue.costUnitHint')}
              value={form.costUnit}
              onChange={(e) => set({ costUnit: e.currentTarget.value })}
              maw={320}
            />
          )}
          {(form.pricingKind === 'per_second' || form.hasProviderCost) && (
            <Table withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('catalogue.size')}</Table.Th>
                  {form.pricingKind === 'per_second' && (
                    <Table.Th>{t('catalogue.creditsPerSecond')}</Table.Th>
                  )}
                  {form.hasProviderCost && (
                    <Table.Th>{t('catalogue.costPerSecond', { unit: form.costUnit })}</Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {form.sizes.map((size) => {
                  const cost = whole(form.costPerSecond[size] ?? '');
                  return (
                    <Table.Tr key={size}>
                      <Table.Td>{size}</Table.Td>
                      {form.pricingKind === 'per_second' && (
                        <Table.Td>
                          <NumberInput
                            aria-label={t('catalogue.creditsPerSecondAt', { size })}
                            value={form.creditsPerSecond[size] ?? ''}
                            onChange={(v) =>
                              set({ creditsPerSecond: { ...form.creditsPerSecond, [size]: v } })
                            }
                            min={1}
                            allowDecimal={false}
                            error={error('price')}
                            data-testid={`model-form-rate-${size}`}
                          />
                        </Table.Td>
                      )}
                      {form.hasProviderCost && (
                        <Table.Td>
                          <NumberInput
                            aria-label={t('catalogue.costPerSecondAt', { size })}
                            value={form.costPerSecond[size] ?? ''}
                            onChange={(v) =>
                              set({ costPerSecond: { ...form.costPerSecond, [size]: v } })
                            }
                            min={0}
                            allowDecimal={false}
                            error={error('providerCost')}
                            description={
                              isCurrency && cost !== null ? usdFromMicros(cost) : undefined
                            }
                            data-testid={`model-form-cost-${size}`}
                          />
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          <Text size="xs" c="dimmed">
            {t('catalogue.priceNote')}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={create.isPending || update.isPending}
              data-testid="model-form-submit"
            >
              {model ? t('common.save') : t('common.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
