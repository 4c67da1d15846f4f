import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['value'];

const STORAGE_KEY = 'batchreel.admin.language';

const isLanguage = (value: unknown): value is Language => LANGUAGES.some((l) => l.value === value);

/** The remembered choice, else English (staff share screenshots; one default keeps them alike). */
function storedLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage can be unavailable (private modes); the default will do.
  }
  return 'en';
}

declare module 'i18next' {
  // Typed keys: `t('batch.tabs.overview')` is checked against the English catalogue.
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: storedLanguage(),
  fallbackLng: 'en',
  // React escapes what it renders.
  interpolation: { escapeValue: false },
});

document.documentElement.lang = i18n.language;
i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {}
});

export function setLanguage(language: string) {
  if (isLanguage(language)) void i18n.changeLanguage(language);
}

export { i18n };
