/**
 * Flagsmith through its Admin API: `GET /api/v1/environments/{environment}/featurestates/
 * ?feature_name={key}` (the environment's feature state: `id`, `enabled`) and `PATCH
 * …/featurestates/{id}/` with `{"enabled": false}`. `environment` is the environment's API key;
 * the Organisation API token goes in `Authorization: Token …` as Flagsmith documents it.
 */
import type { FlagSpec } from '../../../domain/strategies/types.js';
import { FlagProviderError, type FlagProvider } from '../../../flows/ports/flags.js';
import { callProvider } from './http.js';

const DEFAULT_URL = 'https://api.flagsmith.com';

const statesUrl = (spec: FlagSpec) =>
  `${(spec.url ?? DEFAULT_URL).replace(/\/+$/, '')}/api/v1/environments/${encodeURIComponent(spec.environment)}/featurestates/`;

async function featureState(spec: FlagSpec, token: string, signal?: AbortSignal) {
  const body = (await callProvider(
    'Flagsmith',
    `${statesUrl(spec)}?feature_name=${encodeURIComponent(spec.key)}`,
    { headers: { Authorization: `Token ${token}` } },
    signal,
  )) as { results?: { id?: number; enabled?: boolean; feature_segment?: unknown }[] };
  // The environment default, not a segment override: that is what serves everyone else.
  const state = body?.results?.find((result) => result.feature_segment == null);
  if (typeof state?.id !== 'number' || typeof state.enabled !== 'boolean')
    throw new FlagProviderError(`Flagsmith has no feature ${spec.key} in environment ${spec.environment}`);
  return { id: state.id, enabled: state.enabled };
}

export const flagsmith: FlagProvider = {
  async isOn(spec, token, signal) {
    return (await featureState(spec, token, signal)).enabled;
  },
  async turnOff(spec, token, _comment, signal) {
    const { id } = await featureState(spec, token, signal);
    await callProvider(
      'Flagsmith',
      `${statesUrl(spec)}${id}/`,
      {
        method: 'PATCH',
        headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ enabled: false }),
      },
      signal,
    );
  },
};
