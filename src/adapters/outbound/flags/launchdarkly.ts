/**
 * LaunchDarkly through its REST API v2: `GET /api/v2/flags/{project}/{key}?env={environment}`
 * (`environments[env].on`) and a semantic patch (`PATCH` with `Content-Type:
 * application/json; domain-model=launchdarkly.semanticpatch`, instruction `turnFlagOff`). The
 * access token goes in `Authorization` as LaunchDarkly documents it (no "Bearer").
 */
import type { FlagSpec } from '../../../domain/strategies/types.js';
import { FlagProviderError, type FlagProvider } from '../../../flows/ports/flags.js';
import { callProvider } from './http.js';

const DEFAULT_URL = 'https://app.launchdarkly.com';

const flagUrl = (spec: FlagSpec) =>
  `${(spec.url ?? DEFAULT_URL).replace(/\/+$/, '')}/api/v2/flags/${encodeURIComponent(spec.project)}/${encodeURIComponent(spec.key)}`;

export const launchDarkly: FlagProvider = {
  async isOn(spec, token, signal) {
    const body = (await callProvider(
      'LaunchDarkly',
      `${flagUrl(spec)}?env=${encodeURIComponent(spec.environment)}`,
      { headers: { Authorization: token } },
      signal,
    )) as { environments?: Record<string, { on?: boolean }> };
    const on = body?.environments?.[spec.environment]?.on;
    if (typeof on !== 'boolean')
      throw new FlagProviderError(`LaunchDarkly has no environment ${spec.environment} for flag ${spec.key}`);
    return on;
  },
  async turnOff(spec, token, comment, signal) {
    await callProvider(
      'LaunchDarkly',
      flagUrl(spec),
      {
        method: 'PATCH',
        headers: {
          Authorization: token,
          'Content-Type': 'application/json; domain-model=launchdarkly.semanticpatch',
        },
        body: JSON.stringify({
          environmentKey: spec.environment,
          instructions: [{ kind: 'turnFlagOff' }],
          comment,
        }),
      },
      signal,
    );
  },
};
