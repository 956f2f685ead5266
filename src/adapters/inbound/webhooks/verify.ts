/**
 * Credential checks for the webhooks, all constant-time: both sides are reduced to SHA-256 digests
 * first, so `timingSafeEqual` always compares equal-length buffers and even a length never leaks.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const digest = (text: string | Buffer): Buffer => createHash('sha256').update(text).digest();

/** Compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`; during a secret rotation PagerDuty
 * signs with several secrets, and we may hold several too. Any pair matching is enough.
 */
export function verifyPagerDuty(
  header: string | undefined,
  body: Buffer,
  secrets: readonly string[],
): boolean {
  if (!header || secrets.length === 0) return false;
  const offered = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3).toLowerCase());
  let matched = false;
  for (const secret of secrets) {
    const expected = hmacSha256Hex(secret, body);
    // No early exit: the time taken does not tell which secret or signature matched.
    for (const signature of offered) matched = safeEqual(signature, expected) || matched;
  }
  return matched;
}

/** Alertmanager: `Authorization: Bearer <token>`. */
export function verifyBearer(header: string | undefined, token: string | undefined): boolean {
  if (!header || !token) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1] !== undefined && safeEqual(match[1], token);
}

/** Deploy events: `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyDeploySignature(
  header: string | undefined,
  body: Buffer,
  secret: string | undefined,
): boolean {
  if (!header || !secret) return false;
  const match = /^sha256=([0-9a-fA-F]+)$/.exec(header.trim());
  return match?.[1] !== undefined && safeEqual(match[1].toLowerCase(), hmacSha256Hex(secret, body));
}
