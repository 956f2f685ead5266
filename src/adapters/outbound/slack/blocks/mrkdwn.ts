/**
 * Helpers for Slack mrkdwn shared by every block builder: escaping what Slack treats as markup,
 * mentions, and truncation that respects Block Kit's length limits without breaking markup.
 */
import { MAX_BLOCKS, MAX_SECTION_TEXT } from './limits.js';

/** Block Kit's limit on a section's text. */
export const SECTION_TEXT_LIMIT = MAX_SECTION_TEXT;
/** Block Kit's limit on blocks in one message. */
export const MESSAGE_BLOCK_LIMIT = MAX_BLOCKS;

/**
 * Escapes the three characters Slack reads as control sequences (`&`, `<`, `>`), so outside text
 * (reasons, errors, command output) can never forge a mention, a link or a broadcast.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A mention Slack renders: `<@U…>` for users, `<!subteam^S…>` for user groups. */
export function mention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}

/**
 * A link Slack renders. Only a plain http(s) URL becomes a link: a URL from a webhook carrying
 * `>`, `|` or spaces could otherwise close the link and inject `<!channel>`; it is shown as text.
 */
export function link(url: string, label: string): string {
  const safeLabel = escapeMrkdwn(label).replaceAll('|', '¦');
  if (!/^https?:\/\/[^\s<>|]+$/.test(url)) return safeLabel;
  return `<${url}|${safeLabel}>`;
}

/** An inline code span; backticks inside would end it early, so they become a look-alike quote. */
export function codeSpan(text: string): string {
  return `\`${escapeMrkdwn(text.replaceAll('`', 'ˋ').replaceAll('\n', ' '))}\``;
}

/** A code block; triple backticks inside would end it early. */
export function codeBlock(text: string): string {
  return `\`\`\`${escapeMrkdwn(text.replaceAll('```', 'ˋˋˋ'))}\`\`\``;
}

/**
 * The last few lines of a step's (already redacted) output as a code block: what a responder reads
 * first when a step fails. Undefined when there is no output.
 */
export function outputTailBlock(tail: string | undefined, lines = 5, width = 160): string | undefined {
  const last = (tail ?? '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-lines)
    .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
  return last.length > 0 ? codeBlock(last.join('\n')) : undefined;
}

/**
 * Cuts `text` to at most `limit` characters, ending with `ellipsis` when cut. Never leaves half an
 * escape (`&am`), half a mention or link (`<@U12`), or half a surrogate pair at the cut.
 */
export function truncate(text: string, limit: number, ellipsis = '…'): string {
  if (text.length <= limit) return text;
  if (limit <= ellipsis.length) return ellipsis.slice(0, Math.max(0, limit));
  let cut = text.slice(0, limit - ellipsis.length);
  const openAngle = cut.lastIndexOf('<');
  if (openAngle > cut.lastIndexOf('>')) cut = cut.slice(0, openAngle);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && amp > cut.lastIndexOf(';') && cut.length - amp < 8) cut = cut.slice(0, amp);
  const lastCode = cut.charCodeAt(cut.length - 1);
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) cut = cut.slice(0, -1);
  // An odd number of backticks would leave a code span open across the ellipsis.
  if ((cut.match(/`/g)?.length ?? 0) % 2 === 1 && !cut.includes('```'))
    cut = cut.slice(0, cut.lastIndexOf('`'));
  return cut + ellipsis;
}

/** A mrkdwn section, its text truncated to Block Kit's limit. */
export function section(text: string): { type: 'section'; text: { type: 'mrkdwn'; text: string } } {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) } };
}

/** A context block of one mrkdwn element. */
export function context(text: string): { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] } {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) }] };
}

/**
 * Packs lines into as few texts of at most `limit` characters as possible, never splitting a
 * line (a line longer than the limit is truncated on its own).
 */
export function packLines(lines: string[], limit = SECTION_TEXT_LIMIT): string[] {
  const packs: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, limit);
    if (current && current.length + 1 + line.length > limit) {
      packs.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) packs.push(current);
  return packs;
}
