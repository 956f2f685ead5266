import { webApi } from '@slack/bolt';
import { SlackStub } from '../../support/slack-stub.js';

/** The bot's own Slack client, pointed at the stub, with retries off so failures surface at once. */
function client(stub: SlackStub, token = 'xoxb-test-token'): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: stub.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: webApi.LogLevel.ERROR,
  });
}

describe('SlackStub, reached by the real @slack/web-api client', () => {
  let stub: SlackStub;
  beforeAll(async () => {
    stub = await SlackStub.start();
  });
  afterEach(() => stub.reset());
  afterAll(async () => {
    await stub.close();
  });

  it('answers auth.test and refuses a wrong token the way Slack does', async () => {
    const ok = await client(stub).auth.test();
    expect(ok).toMatchObject({ ok: true, user_id: 'U0ROLLBOT', bot_id: 'B0ROLLBOT', team_id: 'T0STUBTEAM' });
    await expect(client(stub, 'xoxb-wrong').auth.test()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    expect(stub.callsTo('auth.test').map((c) => c.token)).toEqual(['xoxb-test-token', 'xoxb-wrong']);
  });

  it('keeps posted messages, thread replies and updates, with blocks decoded', async () => {
    const web = client(stub);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Rollback* requested' } }];
    const card = await web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'card', blocks });
    expect(card.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply1 = await web.chat.postMessage({ channel: 'C0INCIDENTS', thread_ts: card.ts!, text: 'one' });
    const reply2 = await web.chat.postMessage({ channel: 'C0INCIDENTS', thread_ts: card.ts!, text: 'two' });
    expect(reply1.ts).not.toBe(card.ts);
    expect(reply2.ts! > reply1.ts!).toBe(true);

    await web.chat.update({ channel: 'C0INCIDENTS', ts: card.ts!, text: 'approved', blocks: [] });
    const stored = stub.message('C0INCIDENTS', card.ts!);
    expect(stored).toMatchObject({ text: 'approved', blocks: [], updates: 1 });
    expect(stub.callsTo('chat.postMessage')[0]?.args.blocks).toEqual(blocks);
    expect(stub.threadReplies('C0INCIDENTS', card.ts!).map((m) => m.text)).toEqual(['one', 'two']);

    await expect(
      web.chat.update({ channel: 'C0INCIDENTS', ts: '1.000001', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('answers users, user groups and ephemeral messages', async () => {
    const web = client(stub);
    stub.setUser('U0LEAD', { name: 'lead', real_name: 'Lee Lead', tz: 'Europe/Berlin' });
    stub.setUserGroup('S0SRE', ['U0LEAD', 'U0SRE2']);
    const info = await web.users.info({ user: 'U0LEAD' });
    expect(info.user).toMatchObject({ id: 'U0LEAD', real_name: 'Lee Lead', tz: 'Europe/Berlin' });
    await expect(web.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
    expect((await web.usergroups.users.list({ usergroup: 'S0SRE' })).users).toEqual(['U0LEAD', 'U0SRE2']);
    await expect(web.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
    const eph = await web.chat.postEphemeral({ channel: 'C0INCIDENTS', user: 'U0LEAD', text: 'usage' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
  });

  it('takes a files.uploadV2 upload and keeps its content', async () => {
    await client(stub).filesUploadV2({
      channel_id: 'C0INCIDENTS',
      thread_ts: '1731234567.000100',
      filename: 'postmortem.md',
      title: 'Postmortem agenda',
      content: '# Agenda\n- timeline',
    });
    expect(stub.uploads()).toEqual([
      expect.objectContaining({
        filename: 'postmortem.md',
        title: 'Postmortem agenda',
        content: '# Agenda\n- timeline',
        channel_id: 'C0INCIDENTS',
        thread_ts: '1731234567.000100',
      }),
    ]);
  });

  it('injects a rate limit with Retry-After, once', async () => {
    stub.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const web = client(stub);
    await expect(web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    await expect(web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('refuses unknown methods and records response_url posts', async () => {
    await expect(client(stub).apiCall('chat.fly')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    const res = await fetch(`${stub.responseUrlBase}abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'Unknown service' }),
    });
    expect(res.status).toBe(200);
    const call = await stub.waitFor('response_url', (c) => c.args.text === 'Unknown service', 500);
    expect(call.path).toBe('/response/abc');
  });

  it('waitFor resolves on a later call and times out naming what was seen', async () => {
    const waiting = stub.waitFor('chat.postMessage', (c) => c.args.text === 'later', 2000);
    await client(stub).chat.postMessage({ channel: 'C0INCIDENTS', text: 'later' });
    await expect(waiting).resolves.toMatchObject({ args: { channel: 'C0INCIDENTS' } });
    await expect(stub.waitFor('chat.update', undefined, 50)).rejects.toThrow(
      /no matching chat.update.*chat.postMessage/,
    );
  });
});
