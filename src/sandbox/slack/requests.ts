/**
 * Requests shaped and signed exactly as Slack sends them to `POST /slack/events`, so tests drive the
 * bot's real Bolt receiver: slash commands (form fields) and block_actions (a `payload` form field).
 */
import { createHmac } from 'node:crypto';

const TEAM_ID = 'T0STUBTEAM';
const TEAM_DOMAIN = 'stub-team';
const API_APP_ID = 'A0ROLLBACK';
/** Slack still sends the legacy verification token; Bolt ignores it when signatures are checked. */
const LEGACY_TOKEN = 'legacy-verification-token';
/** Port 9 (discard) refuses at once: a test that forgets to pass the stub's response URL fails fast. */
const DEAD_RESPONSE_URL = 'http://127.0.0.1:9/response/none';

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, Slack's request signature. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function triggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.stubtrigger`;
}

/** The form body of a slash command (`/rollback` unless `command` says otherwise). */
export function slashCommandBody(f: {
  text: string;
  userId?: string;
  channelId?: string;
  triggerId?: string;
  responseUrl?: string;
  command?: string;
}): string {
  return new URLSearchParams({
    token: LEGACY_TOKEN,
    team_id: TEAM_ID,
    team_domain: TEAM_DOMAIN,
    channel_id: f.channelId ?? 'C0INCIDENTS',
    channel_name: 'incidents',
    user_id: f.userId ?? 'U0REQUESTER',
    user_name: (f.userId ?? 'U0REQUESTER').toLowerCase(),
    command: f.command ?? '/rollback',
    text: f.text,
    api_app_id: API_APP_ID,
    response_url: f.responseUrl ?? DEAD_RESPONSE_URL,
    trigger_id: f.triggerId ?? triggerId(),
  }).toString();
}

/** The form body (`payload=<JSON>`) of a button click on a message. */
export function blockActionBody(f: {
  actionId: string;
  value: string;
  userId: string;
  channelId?: string;
  messageTs?: string;
  responseUrl?: string;
  triggerId?: string;
}): string {
  const channelId = f.channelId ?? 'C0INCIDENTS';
  const messageTs = f.messageTs ?? '1731234567.000100';
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload = {
    type: 'block_actions',
    user: { id: f.userId, username: f.userId.toLowerCase(), name: f.userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: API_APP_ID,
    token: LEGACY_TOKEN,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: f.triggerId ?? triggerId(),
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: 'incidents' },
    message: { type: 'message', ts: messageTs, user: 'U0ROLLBOT', bot_id: 'B0ROLLBOT', text: '', blocks: [] },
    state: { values: {} },
    response_url: f.responseUrl ?? DEAD_RESPONSE_URL,
    actions: [
      {
        action_id: f.actionId,
        block_id: `${f.actionId}_block`,
        text: { type: 'plain_text', text: f.actionId, emoji: true },
        value: f.value,
        type: 'button',
        action_ts: actionTs,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** How to send a signed request; the knobs exist to test that the bot refuses bad ones. */
export interface SendOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sent instead of the correct signature. */
  signatureOverride?: string;
  /** Extra or replacing headers. */
  headers?: Record<string, string>;
  /** Changes the body AFTER signing (a tampered request). */
  tamper?: (body: string) => string;
}

/** POSTs `body` signed as Slack would; returns the status, the response text and the round-trip time. */
export async function postSigned(
  url: string,
  body: string,
  opts: SendOptions,
): Promise<{ status: number; text: string; ms: number }> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signatureOverride ?? slackSignature(opts.secret, timestamp, body);
  const sent = opts.tamper ? opts.tamper(body) : body;
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': String(timestamp),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...opts.headers,
    },
    body: sent,
  });
  const text = await res.text();
  return { status: res.status, text, ms: Math.round(performance.now() - started) };
}
