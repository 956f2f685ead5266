/**
 * The real PostgreSQL grammar (libpg-query, the server's parser compiled to WASM). Working on the
 * AST is what keeps comments, string literals and function bodies from ever triggering a rule.
 */
import { loadModule, parseSync } from 'libpg-query';

/** A parsed statement: its AST node (`{ AlterTableStmt: {...} }`) and the line it starts on. */
export interface ParsedStatement {
  node: Record<string, unknown>;
  line: number;
}

export type ParseOutcome =
  { ok: true; statements: ParsedStatement[] } | { ok: false; message: string; line: number };

let loading: Promise<void> | undefined;

/** Loads the WASM parser once; every analysis awaits it before parsing. */
export function ensureParserLoaded(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

/**
 * Maps byte offsets (what the parser reports) to 1-based lines. The parser counts UTF-8 bytes, so
 * a line table over the encoded text keeps lines right after non-ASCII comments or literals.
 */
export class LineIndex {
  private readonly bytes: Uint8Array;
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    this.bytes = new TextEncoder().encode(text);
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }

  lineAt(byteOffset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= byteOffset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /**
   * A statement's location starts right after the previous `;`, so it may begin with blank lines
   * and comments; the line users expect is that of the first real token.
   */
  firstTokenOffset(from: number): number {
    const b = this.bytes;
    let i = from;
    while (i < b.length) {
      const c = b[i];
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else if (c === 0x2d && b[i + 1] === 0x2d) {
        while (i < b.length && b[i] !== 0x0a) i++;
      } else if (c === 0x2f && b[i + 1] === 0x2a) {
        let depth = 1; // PostgreSQL block comments nest
        i += 2;
        while (i < b.length && depth > 0) {
          const pair = (b[i] ?? 0) * 256 + (b[i + 1] ?? 0);
          if (pair === 0x2f2a) depth++; // "/*"
          if (pair === 0x2a2f) depth--; // "*/"
          i += pair === 0x2f2a || pair === 0x2a2f ? 2 : 1;
        }
      } else break;
    }
    return i;
  }
}

/** Parses a whole migration (or one section of it). Call `ensureParserLoaded()` first. */
export function parseSql(text: string): ParseOutcome {
  const lines = new LineIndex(text);
  try {
    const result = parseSync(text) as unknown as {
      stmts?: { stmt?: Record<string, unknown>; stmt_location?: number }[];
    };
    const statements = (result.stmts ?? []).flatMap((raw) =>
      raw.stmt
        ? [{ node: raw.stmt, line: lines.lineAt(lines.firstTokenOffset(raw.stmt_location ?? 0)) }]
        : [],
    );
    return { ok: true, statements };
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message, line: lines.lineAt(Math.max(0, details?.cursorPosition ?? 0)) };
  }
}
