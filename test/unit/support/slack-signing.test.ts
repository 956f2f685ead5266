import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest } from '@slack/bolt';
import {
  blockActionBody,
  postSigned,
  slackSignature,
  slashCommandBody,
} from '../../support/slack-signing.js';

const secret = 'test-signing-secret';

describe('slack-signing', () => {
  it('matches the signature Slack documents for its example request', () => {
    // From Slack's "Verifying requests" guide.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('produces bodies Bolt accepts as signed and parses as Slack sends them', () => {
    const now = Math.floor(Date.now() / 1000);
    const body = slashCommandBody({ text: 'checkout production', userId: 'U0ALICE' });
    const headers = {
      'x-slack-signature': slackSignature(secret, now, body),
      'x-slack-request-timestamp': now,
    };
    expect(isValidSlackRequest({ signingSecret: secret, body, headers })).toBe(true);
    expect(isValidSlackRequest({ signingSecret: 'other', body, headers })).toBe(false);
    const form = new URLSearchParams(body);
    expect(form.get('command')).toBe('/rollback');
    expect(form.get('user_id')).toBe('U0ALICE');

    const action = new URLSearchParams(
      blockActionBody({
        actionId: 'rollback_approve',
        value: 'INC-1',
        userId: 'U0BOB',
        messageTs: '1.000100',
      }),
    );
    const payload = JSON.parse(action.get('payload') ?? '{}');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB' },
      container: { type: 'message', message_ts: '1.000100', channel_id: 'C0INCIDENTS' },
      actions: [{ action_id: 'rollback_approve', value: 'INC-1', type: 'button' }],
    });
  });

  it('sends the signed headers and applies tampering after signing', async () => {
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    try {
      const res = await postSigned(url, 'text=a', { secret, timestamp: 1000, tamper: (b) => `${b}b` });
      expect(res.status).toBe(204);
      expect(seen[0]?.body).toBe('text=ab');
      expect(seen[0]?.headers['x-slack-signature']).toBe(slackSignature(secret, 1000, 'text=a'));
      expect(seen[0]?.headers['x-slack-request-timestamp']).toBe('1000');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
