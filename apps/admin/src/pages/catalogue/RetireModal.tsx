import { Alert, Button, Group, Loader, Modal, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { ErrorNotice } from '../../components/QueryState';
import { trpc } from '../../trpc';
import type { CatalogueModel } from './ModelFormModal';

const NONE = '__none__';

/** What retiring would do to the queued tasks, in words, from the server's preview. */
function PreviewText({
  preview,
  replacement,
}: {
  preview: { queuedTasks: number; movable: number; toCancel: number };
  replacement: string | null;
}) {
  const { t } = useTranslation();
  if (preview.queuedTasks === 0) return <>{t('catalogue.retirePreviewNothing')}</>;
  if (replacement === null) {
    return <>{t('catalogue.retirePreviewCancel', { queued: preview.queuedTasks })}</>;
  }
  return (
    <>
      {t('catalogue.retirePreviewMove', {
        queued: preview.queuedTasks,
        movable: preview.movable,
        toCancel: preview.toCancel,
        replacement,
      })}
    </>
  );
}

/**
 * Retires a model for good: its queued tasks move to the replacement at the price they were
 * admitted at, or are canceled and refunded. The dialog shows how many of each (the server's
 * preview for the chosen replacement) before the admin confirms.
 */
export function RetireModal({
  model,
  models,
  onClose,
}: {
  model: CatalogueModel;
  models: CatalogueModel[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const [choice, setChoice] = useState<string>(NONE);
  const replacement = choice === NONE ? null : choice;
  // Always asked afresh: tasks keep arriving, and the admin decides on what is queued now.
  const preview = trpc.models.previewRetirement.useQuery(
    { id: model.id, replacement },
    { staleTime: 0 },
  );
  const retire = trpc.models.retire.useMutation({
    onSuccess: (outcome) => {
      void utils.models.list.invalidate();
      void utils.models.previewRetirement.invalidate();
      void utils.ledger.models.invalidate();
      notifySuccess(t('catalogue.retired', outcome));
      onClose();
    },
  });
  const candidates = models.filter((m) => m.id !== model.id && m.enabled && !m.retiredAt);

  return (
    <Modal opened onClose={onClose} title={t('catalogue.retireTitle', { id: model.id })}>
      <Stack>
        <Text size="sm">{t('catalogue.retireBody')}</Text>
        <Select
          label={t('catalogue.replacement')}
          data={[
            { value: NONE, label: t('catalogue.noReplacement') },
            ...candidates.map((m) => ({ value: m.id, label: `${m.displayName} (${m.id})` })),
          ]}
          value={choice}
          onChange={(v) => setChoice(v ?? NONE)}
          allowDeselect={false}
          data-testid="retire-replacement"
        />
        {preview.isError ? (
          <ErrorNotice error={preview.error} onRetry={preview.refetch} />
        ) : preview.data ? (
          <Alert
            color={preview.data.toCancel > 0 ? 'orange' : 'blue'}
            title={t('catalogue.retirePreviewTitle')}
            data-testid="retire-preview"
          >
            <PreviewText preview={preview.data} replacement={replacement} />
          </Alert>
        ) : (
          <Loader size="sm" />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            loading={retire.isPending}
            // Confirming means agreeing to the preview shown, so there must be one.
            disabled={!preview.data || preview.isFetching}
            onClick={() => retire.mutate({ id: model.id, replacement })}
            data-testid="retire-confirm"
          >
            {t('catalogue.retire')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
