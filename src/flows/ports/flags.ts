/**
 * Feature-flag providers as the flows need them: read whether a flag is on in an environment, and
 * turn it off. Each adapter calls its provider's API as the provider documents it; a failure
 * throws `FlagProviderError` naming what the provider said.
 */
import type { FlagSpec } from '../../domain/strategies/types.js';

export interface FlagProvider {
  /** True when the flag serves its variations in the environment; false when off. */
  isOn(spec: FlagSpec, token: string, signal?: AbortSignal): Promise<boolean>;
  turnOff(spec: FlagSpec, token: string, comment: string, signal?: AbortSignal): Promise<void>;
}

export type FlagProviders = Record<FlagSpec['provider'], FlagProvider>;

export class FlagProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagProviderError';
  }
}
