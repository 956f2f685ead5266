/** The flag providers, one per `provider` value of the catalog's flag step. */
import type { FlagProviders } from '../../../flows/ports/flags.js';
import { flagsmith } from './flagsmith.js';
import { launchDarkly } from './launchdarkly.js';
import { unleash } from './unleash.js';

export const FLAG_PROVIDERS: FlagProviders = { launchdarkly: launchDarkly, unleash, flagsmith };
