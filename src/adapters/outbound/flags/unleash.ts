/**
 * Unleash through its Admin API: `GET /api/admin/projects/{project}/features/{key}` (each
 * environment's `enabled`) and `POST …/features/{key}/environments/{environment}/off`. The
 * token goes in `Authorization` as Unleash documents it.
 */
import type { FlagSpec } from '../../../domain/strategies/types.js';
import { FlagProviderError, type FlagProvider } from '../../../flows/ports/flags.js';
import { callProvider } from './http.js';

const featureUrl = (spec: FlagSpec) => {
  if (!spec.url) throw new FlagProviderError('Unleash needs `url` (its API base URL) in the flag step');
  return `${spec.url.replace(/\/+$/, '')}/api/admin/projects/${encodeURIComponent(spec.project)}/features/${encodeURIComponent(spec.key)}`;
};

export const unleash: FlagProvider = {
  async isOn(spec, token, signal) {
    const body = (await callProvider(
      'Unleash',
      featureUrl(spec),
      { headers: { Authorization: token } },
      signal,
    )) as {
      environments?: { name?: string; enabled?: boolean }[];
    };
    const environment = body?.environments?.find((env) => env.name === spec.environment);
    if (typeof environment?.enabled !== 'boolean')
      throw new FlagProviderError(`Unleash has no environment ${spec.environment} for feature ${spec.key}`);
    return environment.enabled;
  },
  async turnOff(spec, token, _comment, signal) {
    await callProvider(
      'Unleash',
      `${featureUrl(spec)}/environments/${encodeURIComponent(spec.environment)}/off`,
      { method: 'POST', headers: { Authorization: token } },
      signal,
    );
  },
};
