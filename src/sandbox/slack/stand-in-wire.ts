/**
 * The wire side of the Slack stand-in: decoding requests the way Slack accepts them (form or JSON,
 * JSON-encoded nested fields, multipart uploads) and shaping Slack's answers.
 */
import type { IncomingMessage } from 'node:http';
import type { InjectedFailure } from './stand-in.js';

export type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Answer = { status?: number; headers?: Record<string, string>; body: unknown };

/** Slack's own limits, so the bot finds out here rather than in production. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;
const JSON_FIELDS = ['blocks', 'attachments', 'files', 'metadata'];

/** Slack-like `ok:false` answer; Slack uses HTTP 200 for API errors. */
export function fail(error: string): Answer {
  return { body: { ok: false, error } };
}

export function injectedAnswer(f: InjectedFailure): Answer {
  const status = f.status ?? 200;
  const error =
    f.error ?? (status === 429 ? 'ratelimited' : status === 200 ? 'internal_error' : 'fatal_error');
  const headers: Record<string, string> = {};
  if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
  return { status, headers, body: { ok: false, error } };
}

/** Slack refuses messages without content, too many blocks and over-long text. */
export function invalidContent(args: Args): string | undefined {
  if (args.blocks !== undefined && !Array.isArray(args.blocks)) return 'invalid_blocks';
  if (Array.isArray(args.blocks) && args.blocks.length > MAX_BLOCKS) return 'invalid_blocks';
  if (!args.text && !args.blocks && !args.attachments) return 'no_text';
  if (typeof args.text === 'string' && args.text.length > MAX_TEXT) return 'msg_too_long';
  return undefined;
}

export function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Form or JSON body → args, with Slack's JSON-encoded nested fields decoded. */
export function decodeArgs(raw: Buffer, contentType: string | undefined): Args {
  const text = raw.toString('utf8');
  if (!text) return {};
  let args: Args;
  if ((contentType ?? '').startsWith('application/json')) {
    args = JSON.parse(text) as Args;
  } else {
    args = Object.fromEntries(new URLSearchParams(text));
  }
  for (const field of JSON_FIELDS) {
    const value: unknown = args[field];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[field] = JSON.parse(value);
      } catch {
        // Left as the string, so the method answers as Slack would (invalid_blocks).
      }
    }
  }
  return args;
}

/** @slack/web-api posts the bytes as multipart form data (field `body`); plain bodies are accepted too. */
export async function uploadedContent(raw: Buffer, contentType: string | undefined): Promise<Buffer> {
  if (!(contentType ?? '').startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType ?? '' } }).formData();
  const parts = [...form.values()];
  const part = form.get('body') ?? form.get('file') ?? parts[0];
  if (part === undefined || part === null) return Buffer.alloc(0);
  return typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
}
