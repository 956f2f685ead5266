/**
 * The sandbox page's server: the page in public/sandbox, the channel as the Slack stand-in holds it,
 * and the two things a Slack client does, typing a slash command and clicking a button. Both reach
 * the bot only the way Slack's would: a request signed with the signing secret to /slack/events.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { SlackStandIn } from './slack/stand-in.js';
import { blockActionBody, postSigned, slashCommandBody } from './slack/requests.js';
import type { DemoState } from './demo-service.js';

export interface SandboxUser {
  id: string;
  name: string;
  role: string;
}

export interface PageServerOptions {
  port: number;
  /** 127.0.0.1 unless told otherwise (in a container, 0.0.0.0 for the port mapping). */
  host?: string;
  slack: SlackStandIn;
  botUrl: string;
  signingSecret: string;
  channel: string;
  users: SandboxUser[];
  demo: () => DemoState;
}

const PAGE_DIR = fileURLToPath(new URL('../../public/sandbox/', import.meta.url));
/** Slack's own limit on a slash command's text. */
const MAX_COMMAND_TEXT = 4000;

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

function badRequest(res: express.Response, error: string): void {
  res.status(400).json({ error });
}

export async function startPageServer(opts: PageServerOptions): Promise<PageServer> {
  const { slack, channel } = opts;
  const userIds = new Set(opts.users.map((user) => user.id));
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  app.use(express.static(PAGE_DIR, { index: 'index.html' }));
  const responseUrl = (user: string) =>
    `${slack.responseUrlBase}${encodeURIComponent(user)}/${randomBytes(6).toString('hex')}`;

  app.get('/api/state', (_req, res) => {
    const messages = slack.channelMessages(channel).map((message) => ({
      ...message,
      replies: slack.threadReplies(channel, message.ts),
      files: slack
        .uploads()
        .filter((file) => file.thread_ts === message.ts)
        .map((file) => ({ id: file.file_id, name: file.filename, title: file.title })),
    }));
    res.json({ channel, users: opts.users, demo: opts.demo(), messages, ephemerals: slack.ephemerals() });
  });

  app.get('/files/:id', (req, res) => {
    const file = slack.uploads().find((upload) => upload.file_id === req.params.id);
    if (!file) {
      res.status(404).json({ error: 'no such file' });
      return;
    }
    res.type(file.filename?.endsWith('.png') ? 'image/png' : 'text/markdown; charset=utf-8').send(file.bytes);
  });

  app.post('/api/command', async (req, res) => {
    const { user, text } = (req.body ?? {}) as { user?: unknown; text?: unknown };
    if (typeof user !== 'string' || !userIds.has(user))
      return badRequest(res, 'user: not one of the sandbox users');
    if (typeof text !== 'string' || text.length > MAX_COMMAND_TEXT)
      return badRequest(res, `text: expected at most ${MAX_COMMAND_TEXT} characters`);
    const match = /^\s*\/rollback(?:\s+([\s\S]*))?$/.exec(text);
    if (!match) return badRequest(res, 'only /rollback is installed in this workspace');
    const body = slashCommandBody({
      text: (match[1] ?? '').trim(),
      userId: user,
      channelId: channel,
      responseUrl: responseUrl(user),
    });
    const answer = await postSigned(`${opts.botUrl}/slack/events`, body, { secret: opts.signingSecret });
    res.status(answer.status === 200 ? 200 : 502).json(answer);
  });

  app.post('/api/action', async (req, res) => {
    const { user, actionId, value, messageTs } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof user !== 'string' || !userIds.has(user))
      return badRequest(res, 'user: not one of the sandbox users');
    if (typeof actionId !== 'string' || !/^[a-z_]{1,64}$/.test(actionId))
      return badRequest(res, 'actionId: expected an action id');
    if (typeof value !== 'string' || value.length > 2000) return badRequest(res, 'value: expected a string');
    if (typeof messageTs !== 'string' || !slack.message(channel, messageTs))
      return badRequest(res, 'messageTs: no such message in the channel');
    const body = blockActionBody({
      actionId,
      value,
      userId: user,
      channelId: channel,
      messageTs,
      responseUrl: responseUrl(user),
    });
    const answer = await postSigned(`${opts.botUrl}/slack/events`, body, { secret: opts.signingSecret });
    res.status(answer.status === 200 ? 200 : 502).json(answer);
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(listening));
    listening.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is in use: set PORT to another`) : error,
      ),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
