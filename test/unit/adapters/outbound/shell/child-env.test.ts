import { buildChildEnv } from '../../../../../src/adapters/outbound/shell/child-env.js';

describe('buildChildEnv', () => {
  const parent = {
    PATH: '/usr/bin',
    HOME: '/home/bot',
    KUBECONFIG: '/k',
    HELM_NAMESPACE: 'prod',
    AWS_REGION: 'eu-west-1',
    SLACK_BOT_TOKEN: 'xoxb-secret',
    SLACK_SIGNING_SECRET: 'sig',
    DEPLOY_WEBHOOK_SECRET: 'hook',
    REDIS_URL: 'redis://x',
    NODE_OPTIONS: '--require evil.js',
  };

  it('passes only the allowlist and the step env', () => {
    expect(buildChildEnv(parent, { REVISION: '7' })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/bot',
      KUBECONFIG: '/k',
      HELM_NAMESPACE: 'prod',
      AWS_REGION: 'eu-west-1',
      REVISION: '7',
    });
  });

  it('refuses a malformed step env, naming the variable', () => {
    expect(() => buildChildEnv(parent, { '1X': 'a' })).toThrow(
      'step env name "1X" is not a valid variable name',
    );
    expect(() => buildChildEnv(parent, { X: 'a\0b' })).toThrow(
      'step env X must be a string without NUL bytes',
    );
  });
});
