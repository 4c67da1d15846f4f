import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../i18n';

/** English / 简体中文; the choice is remembered in localStorage (see i18n/index.ts). */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      data-testid="language-switch"
      value={i18n.language}
      onChange={setLanguage}
      data={LANGUAGES.map((l) => ({ value: l.value, label: l.label }))}
    />
  );
}
