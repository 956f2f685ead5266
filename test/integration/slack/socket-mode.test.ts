/**
 * Socket Mode end to end: with SLACK_APP_TOKEN the bot asks apps.connections.open (the Web API
 * stand-in, at SLACK_API_URL) for a WebSocket URL, connects to the Socket Mode stand-in, and
 * answers slash commands and button clicks delivered as envelopes, acking each by its id.
 */
import { blockActionBody, slashCommandBody } from '../../support/slack-signing.js';
import { SocketModeStandIn } from '../../support/socket-mode.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

const APP_TOKEN = 'xapp-1-A0ROLLBACK-1234-abcdef';
let h: Harness | undefined;
let socket: SocketModeStandIn;

afterEach(async () => {
  await h?.close();
  await socket?.close();
});

const slashPayload = (text: string, responseUrl: string) =>
  Object.fromEntries(new URLSearchParams(slashCommandBody({ text, userId: 'U0REQUESTER', responseUrl })));

it('connects through apps.connections.open, then opens and approves a rollback over envelopes', async () => {
  socket = await SocketModeStandIn.start();
  h = await startHarness({}, {}, { SLACK_APP_TOKEN: APP_TOKEN }, (slack) => {
    slack.socketMode = { appToken: APP_TOKEN, url: socket.url };
  });
  await socket.connected();
  expect(h.slack.callsTo('apps.connections.open')[0]?.token).toBe(APP_TOKEN);

  // An answer that needs no I/O comes back in the ack itself.
  const help = await socket.deliver('slash_commands', slashPayload('help', `${h.slack.responseUrlBase}help`));
  expect(String(help.payload?.text)).toContain('*Rollback bot* opens a rollback request');

  const opened = await socket.deliver(
    'slash_commands',
    slashPayload(
      'checkout production --to v2.3.0 errors after the deploy',
      `${h.slack.responseUrlBase}U0REQUESTER/open`,
    ),
  );
  expect(opened.envelope_id).toBeDefined();
  const id = await eventually(async () => (await h!.bot.deps.store.recentIds(1))[0]);
  const incident = await eventually(async () => {
    const found = await h!.bot.deps.store.get(id);
    return found?.messageTs ? found : undefined;
  });
  expect(JSON.stringify(h.slack.message(incident.channel, incident.messageTs!)?.blocks)).toContain(
    'rollback_approve',
  );
  await eventually(() => h!.slack.ephemerals('U0REQUESTER').find((m) => m.text?.includes(`Opened *${id}*`)));

  const click = JSON.parse(
    new URLSearchParams(
      blockActionBody({
        actionId: 'rollback_approve',
        value: id,
        userId: 'U0LEAD',
        messageTs: incident.messageTs,
        responseUrl: `${h.slack.responseUrlBase}U0LEAD/click`,
      }),
    ).get('payload')!,
  ) as Record<string, unknown>;
  await socket.deliver('interactive', click);
  await eventually(async () => {
    const approved = await h!.bot.deps.store.get(id);
    return approved && approved.state !== 'awaiting_approval' ? approved : undefined;
  });
  expect((await h.bot.deps.store.get(id))?.approvals.map((a) => a.userId)).toEqual(['U0LEAD']);
});
