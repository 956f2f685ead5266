import { loadConfig } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'signing-secret' };

describe('configuration from the environment', () => {
  it('uses the contract defaults', () => {
    expect(loadConfig(base)).toMatchObject({
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      catalogPath: 'manifests/catalog.yaml',
      logLevel: 'info',
      role: 'all',
      pagerdutySecrets: [],
    });
  });

  it.each([
    [{}, 'SLACK_BOT_TOKEN: is required'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'SLACK_BOT_TOKEN: expected a bot token starting with xoxb-'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET: is required in HTTP mode'],
    [{ ...base, PORT: 'eighty' }, 'PORT: expected a port number'],
    [{ ...base, REDIS_URL: 'localhost:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL'],
    [{ ...base, SLACK_API_URL: 'not a url' }, 'SLACK_API_URL: expected an http(s) URL'],
    [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...base, SLACK_APP_TOKEN: 'xoxb-wrong' }, 'SLACK_APP_TOKEN: expected an app-level token'],
    [{ ...base, PORT: '' }, 'PORT: expected a port number'],
    [{ ...base, PORT: '-1' }, 'PORT: expected a port number'],
    [{ ...base, PORT: '3000.5' }, 'PORT: expected a port number'],
    [{ ...base, PORT: '65536' }, 'PORT: expected a port number'],
    [{ ...base, SLACK_SIGNING_SECRET: '' }, 'SLACK_SIGNING_SECRET: must not be empty'],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-abc', SLACK_SIGNING_SECRET: '' },
      'SLACK_SIGNING_SECRET: must not be empty',
    ],
    [{ ...base, ROLLBACK_CATALOG: '' }, 'ROLLBACK_CATALOG: must not be empty'],
    [{ ...base, SLACK_API_URL: 'ftp://slack.example.com/api/' }, 'SLACK_API_URL: expected an http(s) URL'],
    [{ ...base, SLACK_API_URL: '' }, 'SLACK_API_URL: expected an http(s) URL'],
  ])('stops with one line naming the variable for %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads a port of digits and an http or https Slack API URL', () => {
    expect(loadConfig({ ...base, PORT: '8080' }).port).toBe(8080);
    expect(loadConfig({ ...base, PORT: '0' }).port).toBe(0);
    expect(loadConfig({ ...base, SLACK_API_URL: 'http://127.0.0.1:9000/api/' }).slack.apiUrl).toBe(
      'http://127.0.0.1:9000/api/',
    );
    expect(loadConfig({ ...base, SLACK_API_URL: 'https://slack-gov.com/api/' }).slack.apiUrl).toBe(
      'https://slack-gov.com/api/',
    );
  });

  it('runs Socket Mode without a signing secret and splits rotated PagerDuty secrets', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1-abc',
      PAGERDUTY_WEBHOOK_SECRET: 'old-secret-1, new-secret-2',
    });
    expect(config.slack.appToken).toBe('xapp-1-abc');
    expect(config.pagerdutySecrets).toEqual(['old-secret-1', 'new-secret-2']);
  });
});
