/**
 * A local stand-in for the Slack Web API over real HTTP: the sandbox's Slack, and the tests'. The
 * bot runs its real Slack client against it (`SLACK_API_URL=stub.apiUrl`); the sandbox page and
 * the tests then look at what Slack would have shown.
 *
 * It answers the methods the bot uses the way Slack does (`ok:false` with Slack's error codes, HTTP 429
 * with `Retry-After` when rate limited), records every call, and keeps messages, threads and uploads.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Answer, Args } from './stand-in-wire.js';
import {
  bearer,
  decodeArgs,
  fail,
  injectedAnswer,
  invalidContent,
  readBody,
  uploadedContent,
} from './stand-in-wire.js';

/** One request the bot made to the stub. */
export interface SlackCall {
  /** Web API method (`chat.postMessage`), or `response_url` / `upload` for those endpoints. */
  method: string;
  /** Decoded arguments; `blocks`, `attachments`, `files` and `metadata` are parsed from their JSON strings. */
  args: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Token from the `Authorization: Bearer` header or the `token` field. */
  token?: string;
  /** Date.now() when the call was answered. */
  at: number;
  /** The request path, e.g. `/response/abc` for response_url posts. */
  path?: string;
  /** The error the stub answered with, when it did not answer `ok: true`. */
  error?: string;
}

/** A message as the stub keeps it, per channel and ts. */
export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** How many times chat.update changed it. */
  updates: number;
}

/** A message only one user sees: a `response_url` answer or `chat.postEphemeral`. */
export interface EphemeralMessage {
  /** The user it is for (the response URL names them: `…/response/<user>/<anything>`). */
  user: string;
  text?: string;
  blocks?: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  at: number;
}

/** A file uploaded the files.uploadV2 way. */
export interface StoredUpload {
  file_id: string;
  filename?: string;
  title?: string;
  /** The bytes as UTF-8 text (Markdown files); `bytes` holds them exactly (images). */
  content: string;
  bytes: Buffer;
  channel_id?: string;
  thread_ts?: string;
}

/** A failure to answer, once, instead of the next call to a method. */
export interface InjectedFailure {
  error?: string;
  status?: number;
  /** Seconds, sent as `Retry-After` (Slack sends it with 429). */
  retryAfter?: number;
}

interface UserRecord {
  name: string;
  real_name?: string;
  tz?: string;
}

const TEAM_ID = 'T0STUBTEAM';
const BOT_USER_ID = 'U0ROLLBOT';
const BOT_ID = 'B0ROLLBOT';
export class SlackStandIn {
  readonly apiUrl: string;
  readonly responseUrlBase: string;
  calls: SlackCall[] = [];

  private messages = new Map<string, StoredMessage>();
  private ephemeralMessages: EphemeralMessage[] = [];
  private files = new Map<string, StoredUpload & { uploaded: boolean }>();
  private users = new Map<string, UserRecord>();
  private groups = new Map<string, string[]>();
  private failures = new Map<string, InjectedFailure[]>();
  private waiters: {
    method: string;
    predicate: (c: SlackCall) => boolean;
    resolve: (c: SlackCall) => void;
  }[] = [];
  private lastSecond = 0;
  private seq = 0;
  private fileSeq = 0;

  private constructor(
    private readonly server: Server,
    private readonly token: string,
    readonly baseUrl: string,
  ) {
    this.apiUrl = `${baseUrl}/api/`;
    this.responseUrlBase = `${baseUrl}/response/`;
  }

  /** Starts the stub on a random port of 127.0.0.1. The bot must use `opts.token` (default `xoxb-test-token`). */
  static async start(opts: { token?: string } = {}): Promise<SlackStandIn> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const stub = new SlackStandIn(server, opts.token ?? 'xoxb-test-token', `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      stub.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
    return stub;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call (past or future) to `method` that matches `predicate`. */
  waitFor(
    method: string,
    predicate: (c: SlackCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<SlackCall> {
    const seen = this.calls.find((c) => c.method === method && predicate(c));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { method, predicate, resolve: (c: SlackCall) => (clearTimeout(timer), resolve(c)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const made = this.calls.map((c) => c.method).join(', ') || 'none';
        reject(
          new Error(`SlackStandIn: no matching ${method} call within ${timeoutMs} ms (calls made: ${made})`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(`${channel}/${ts}`);
  }

  /** Replies under `threadTs`, oldest first (the parent itself is not included). */
  threadReplies(channel: string, threadTs: string): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.channel === channel && m.thread_ts === threadTs && m.ts !== threadTs)
      .sort((a, b) => a.ts.localeCompare(b.ts));
  }

  /** A channel's top-level messages, oldest first. */
  channelMessages(channel: string): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.channel === channel && (m.thread_ts === undefined || m.thread_ts === m.ts))
      .sort((a, b) => a.ts.localeCompare(b.ts));
  }

  /** What only `user` saw (or everyone's, without a user), oldest first. */
  ephemerals(user?: string): EphemeralMessage[] {
    return this.ephemeralMessages.filter((m) => user === undefined || m.user === user);
  }

  /** Files whose bytes have been posted to their upload URL. */
  uploads(): StoredUpload[] {
    return [...this.files.values()].filter((f) => f.uploaded).map(({ uploaded: _u, ...f }) => f);
  }

  setUser(id: string, user: UserRecord): void {
    this.users.set(id, user);
  }

  setUserGroup(id: string, members: string[]): void {
    this.groups.set(id, [...members]);
  }

  /** The next call to `method` fails this way (queued: call twice to fail twice). */
  failNext(method: string, failure: InjectedFailure): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), failure]);
  }

  /** Forgets calls, messages, uploads and pending failures; keeps users and user groups. */
  reset(): void {
    this.calls = [];
    this.messages.clear();
    this.files.clear();
    this.failures.clear();
    this.ephemeralMessages = [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    let method: string;
    let args: Args = {};
    let answer: Answer;
    let token: string | undefined;

    if (req.method === 'POST' && path.startsWith('/response/')) {
      method = 'response_url';
      args = decodeArgs(raw, req.headers['content-type']);
      const user = decodeURIComponent(path.slice('/response/'.length).split('/')[0] ?? '');
      this.keepEphemeral(user, args);
      answer = { body: { ok: true } };
    } else if (req.method === 'POST' && path.startsWith('/upload/')) {
      method = 'upload';
      token = bearer(req);
      const content = await uploadedContent(raw, req.headers['content-type']);
      answer = this.receiveUpload(decodeURIComponent(path.slice('/upload/'.length)), content);
      args = { length: content.length };
    } else if (req.method === 'POST' && path.startsWith('/api/')) {
      method = path.slice('/api/'.length);
      args = decodeArgs(raw, req.headers['content-type']);
      token = bearer(req) ?? (typeof args.token === 'string' ? args.token : undefined);
      answer = this.answerApi(method, args, token);
    } else {
      method = `${req.method} ${path}`;
      answer = { status: 404, body: { ok: false, error: 'not_found' } };
    }

    const body = answer.body as { ok?: boolean; error?: string } | string;
    const error = typeof body === 'object' && body.ok === false ? body.error : undefined;
    this.record({
      method,
      args,
      at: Date.now(),
      path,
      ...(token ? { token } : {}),
      ...(error ? { error } : {}),
    });
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
    res.writeHead(answer.status ?? 200, { 'content-type': type, ...answer.headers }).end(text);
  }

  private record(call: SlackCall): void {
    this.calls.push(call);
    const ready = this.waiters.filter((w) => w.method === call.method && w.predicate(call));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(call);
  }

  /**
   * Socket Mode: `apps.connections.open` with this app-level token answers `socketModeUrl`, where
   * a WebSocket stand-in waits (see test/support/socket-mode.ts).
   */
  socketMode?: { appToken: string; url: string };

  private answerApi(method: string, args: Args, token: string | undefined): Answer {
    const injected = this.failures.get(method)?.shift();
    if (injected) return injectedAnswer(injected);
    if (!token) return fail('not_authed');
    if (method === 'apps.connections.open') {
      if (!token.startsWith('xapp-')) return fail('not_allowed_token_type');
      if (!this.socketMode || token !== this.socketMode.appToken) return fail('invalid_auth');
      return { body: { ok: true, url: this.socketMode.url } };
    }
    if (token !== this.token) return fail('invalid_auth');
    switch (method) {
      case 'auth.test':
        return {
          body: {
            ok: true,
            url: 'https://stub-team.slack.com/',
            team: 'Stub Team',
            user: 'rollback-bot',
            team_id: TEAM_ID,
            user_id: BOT_USER_ID,
            bot_id: BOT_ID,
          },
        };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.updateMessage(args);
      case 'chat.postEphemeral':
        if (!args.channel) return fail('channel_not_found');
        if (!args.user) return fail('user_not_found');
        if (!args.text && !args.blocks) return fail('no_text');
        this.keepEphemeral(String(args.user), args);
        return { body: { ok: true, message_ts: this.nextTs() } };
      case 'users.info':
        return this.userInfo(String(args.user ?? ''));
      case 'usergroups.users.list': {
        const members = this.groups.get(String(args.usergroup ?? ''));
        return members ? { body: { ok: true, users: members } } : fail('no_such_subteam');
      }
      case 'conversations.info': {
        const id = String(args.channel ?? '');
        if (!/^[CGD][A-Z0-9]{2,}$/.test(id)) return fail('channel_not_found');
        const name = id.toLowerCase();
        return { body: { ok: true, channel: { id, name, is_channel: id.startsWith('C'), is_member: true } } };
      }
      case 'files.getUploadURLExternal':
        return this.uploadUrl(args);
      case 'files.completeUploadExternal':
        return this.completeUpload(args);
      default:
        return fail('unknown_method');
    }
  }

  private keepEphemeral(user: string, args: Args): void {
    this.ephemeralMessages.push({
      user,
      ...(args.text !== undefined ? { text: String(args.text) } : {}),
      ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      at: Date.now(),
    });
  }

  private postMessage(args: Args): Answer {
    const channel = String(args.channel ?? '');
    if (!channel) return fail('channel_not_found');
    const invalid = invalidContent(args);
    if (invalid) return fail(invalid);
    if (args.thread_ts !== undefined && !this.message(channel, String(args.thread_ts))) {
      // Slack accepts unknown thread_ts silently in some cases; a test bot posting into a thread that
      // was never created is a bug worth seeing, so the stub refuses it.
      return fail('thread_not_found');
    }
    const ts = this.nextTs();
    const stored: StoredMessage = { channel, ts, updates: 0 };
    if (args.thread_ts !== undefined) stored.thread_ts = String(args.thread_ts);
    if (args.text !== undefined) stored.text = String(args.text);
    if (Array.isArray(args.blocks)) stored.blocks = args.blocks;
    this.messages.set(`${channel}/${ts}`, stored);
    return { body: { ok: true, channel, ts, message: this.slackMessage(stored) } };
  }

  private updateMessage(args: Args): Answer {
    const channel = String(args.channel ?? '');
    const stored = this.message(channel, String(args.ts ?? ''));
    if (!stored) return fail('message_not_found');
    const invalid = invalidContent(args);
    if (invalid) return fail(invalid);
    if (args.text !== undefined) stored.text = String(args.text);
    if (Array.isArray(args.blocks)) stored.blocks = args.blocks;
    stored.updates += 1;
    return {
      body: { ok: true, channel, ts: stored.ts, text: stored.text ?? '', message: this.slackMessage(stored) },
    };
  }

  private slackMessage(m: StoredMessage): Args {
    return {
      type: 'message',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      ts: m.ts,
      text: m.text ?? '',
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    };
  }

  private userInfo(id: string): Answer {
    const user = this.users.get(id);
    if (!user) return fail('user_not_found');
    return {
      body: {
        ok: true,
        user: {
          id,
          team_id: TEAM_ID,
          name: user.name,
          real_name: user.real_name ?? user.name,
          tz: user.tz ?? 'Etc/UTC',
          profile: { display_name: user.name, real_name: user.real_name ?? user.name },
        },
      },
    };
  }

  private uploadUrl(args: Args): Answer {
    if (!args.filename) return fail('invalid_arguments');
    if (args.length === undefined || !(Number(args.length) > 0)) return fail('invalid_arguments');
    this.fileSeq += 1;
    const fileId = `F0STUB${String(this.fileSeq).padStart(4, '0')}`;
    this.files.set(fileId, {
      file_id: fileId,
      filename: String(args.filename),
      content: '',
      bytes: Buffer.alloc(0),
      uploaded: false,
    });
    return { body: { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId } };
  }

  private receiveUpload(fileId: string, content: Buffer): Answer {
    const file = this.files.get(fileId);
    if (!file) return { status: 404, body: 'unknown upload url' };
    file.content = content.toString('utf8');
    file.bytes = content;
    file.uploaded = true;
    return { body: `OK - ${content.length}` };
  }

  private completeUpload(args: Args): Answer {
    if (!Array.isArray(args.files) || args.files.length === 0) return fail('invalid_arguments');
    const done: Args[] = [];
    for (const entry of args.files as Args[]) {
      const file = this.files.get(String(entry.id));
      if (!file || !file.uploaded) return fail('file_not_found');
      file.title = entry.title !== undefined ? String(entry.title) : file.filename;
      if (args.channel_id !== undefined) file.channel_id = String(args.channel_id);
      if (args.thread_ts !== undefined) file.thread_ts = String(args.thread_ts);
      done.push({ id: file.file_id, title: file.title, name: file.filename });
    }
    return { body: { ok: true, files: done } };
  }

  /** Unique, increasing message ts in Slack's `seconds.micro` shape. */
  private nextTs(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second > this.lastSecond) {
      this.lastSecond = second;
      this.seq = 100;
    } else {
      this.seq += 1;
    }
    return `${this.lastSecond}.${String(this.seq).padStart(6, '0')}`;
  }
}
