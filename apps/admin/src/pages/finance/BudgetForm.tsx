import {
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { trpc } from '../../trpc';
import { type BudgetView, type Overview, parseThresholds } from './types';

type Scope = 'account' | 'project' | 'api_key';
type Enforcement = 'hard' | 'soft';

/**
 * Creates a budget (what it caps, optionally one model, the cap, hard or soft, thresholds) or
 * changes an existing one's cap, enforcement and thresholds. The server validates again.
 */
export function BudgetForm({
  overview,
  budget,
  onClose,
}: {
  overview: Overview;
  budget: BudgetView | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const models = trpc.ledger.models.useQuery(undefined, { staleTime: 60_000 });
  const [scope, setScope] = useState<Scope>(budget?.scope ?? 'account');
  const [projectId, setProjectId] = useState<string | null>(budget?.projectId ?? null);
  const [apiKeyId, setApiKeyId] = useState<string | null>(budget?.apiKeyId ?? null);
  const [model, setModel] = useState<string | null>(budget?.model ?? null);
  const [cap, setCap] = useState<string | number>(budget?.capCredits ?? '');
  const [enforcement, setEnforcement] = useState<Enforcement>(budget?.enforcement ?? 'hard');
  const [thresholds, setThresholds] = useState(
    (budget?.thresholdPercents ?? [80, 90, 100]).join(', '),
  );
  const [touched, setTouched] = useState(false);
  const save = trpc.finance.saveBudget.useMutation({
    onSuccess: () => {
      notifySuccess(t('finance.saved'));
      void utils.finance.invalidate();
      onClose();
    },
  });

  const capValue = typeof cap === 'number' ? cap : Number.NaN;
  const capError = Number.isInteger(capValue) && capValue >= 1 ? null : t('finance.capInvalid');
  const parsed = parseThresholds(thresholds);
  const thresholdsError = parsed ? null : t('finance.thresholdsInvalid');
  const targetMissing = (scope === 'project' && !projectId) || (scope === 'api_key' && !apiKeyId);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (capError || !parsed || targetMissing) return;
    save.mutate({
      accountId: overview.accountId,
      budgetId: budget?.id ?? null,
      scope,
      projectId: scope === 'project' ? projectId : null,
      apiKeyId: scope === 'api_key' ? apiKeyId : null,
      model,
      capCredits: capValue,
      enforcement,
      thresholdPercents: parsed,
    });
  };

  const editing = budget !== null;
  return (
    <Modal
      opened
      onClose={onClose}
      title={editing ? t('finance.editBudget') : t('finance.newBudget')}
    >
      <form onSubmit={onSubmit} data-testid="budget-form">
        <Stack>
          <Select
            label={t('finance.scopeLabel')}
            data={(['account', 'project', 'api_key'] as const).map((value) => ({
              value,
              label: t(`finance.scopeOption.${value}`),
            }))}
            value={scope}
            onChange={(v) => setScope((v as Scope | null) ?? 'account')}
            disabled={editing}
            allowDeselect={false}
            data-testid="budget-scope"
          />
          {scope === 'project' && (
            <Select
              label={t('finance.project')}
              data={overview.projects.map((p) => ({ value: p.id, label: p.name }))}
              value={projectId}
              onChange={setProjectId}
              disabled={editing}
              error={touched && !projectId ? t('finance.project') : undefined}
              data-testid="budget-project"
            />
          )}
          {scope === 'api_key' && (
            <Select
              label={t('finance.apiKey')}
              data={overview.apiKeys
                .filter((k) => !k.revokedAt)
                .map((k) => ({ value: k.id, label: `${k.name} (${k.prefix})` }))}
              value={apiKeyId}
              onChange={setApiKeyId}
              disabled={editing}
              error={touched && !apiKeyId ? t('finance.apiKey') : undefined}
              data-testid="budget-key"
            />
          )}
          <Select
            label={t('finance.modelOptional')}
            placeholder={t('finance.allModels')}
            data={(models.data ?? []).map((m) => ({ value: m.id, label: m.id }))}
            value={model}
            onChange={setModel}
            clearable
            disabled={editing}
          />
          <NumberInput
            label={t('finance.cap')}
            value={cap}
            onChange={setCap}
            allowDecimal={false}
            // Out-of-range input stays as typed, so the form can say what is wrong with it.
            clampBehavior="none"
            thousandSeparator=","
            error={touched ? capError : undefined}
            data-testid="budget-cap-input"
          />
          <SegmentedControl
            aria-label={t('finance.enforcementLabel')}
            value={enforcement}
            onChange={(v) => setEnforcement(v as Enforcement)}
            data={(['hard', 'soft'] as const).map((value) => ({
              value,
              label: t(`finance.enforcement.${value}`),
            }))}
          />
          <TextInput
            label={t('finance.thresholds')}
            description={t('finance.thresholdsHint')}
            value={thresholds}
            onChange={(e) => setThresholds(e.currentTarget.value)}
            error={touched ? thresholdsError : undefined}
            data-testid="budget-thresholds"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="budget-save">
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
