/**
 * The providers a model row may name (`models.provider`): the names the provider registry
 * (`providers/registry.ts`) registers adapters under. A test builds the registry with every
 * provider configured and checks it names exactly these. Whether a process has a provider's
 * key is configuration: a model on an unconfigured provider fails (and refunds) its tasks.
 */
export const CATALOGUE_PROVIDERS = [
  'simulator',
  'fal',
  'replicate',
  'runway',
  'gemini',
  'openai',
] as const;

export type CatalogueProvider = (typeof CATALOGUE_PROVIDERS)[number];
