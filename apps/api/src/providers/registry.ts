import { createSimulator, type SimulatorOptions } from './simulator';
import type { VideoProvider } from './types';

/** Providers by the name a model row gives (`models.provider`). */
export type ProviderRegistry = ReadonlyMap<string, VideoProvider>;

export function createProviderRegistry(options: { simulator: SimulatorOptions }): ProviderRegistry {
  const providers: VideoProvider[] = [createSimulator(options.simulator)];
  return new Map(providers.map((provider) => [provider.name, provider]));
}
