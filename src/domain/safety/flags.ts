/**
 * Feature-flag keys a release introduced. When a new flag gates the failing change, turning it off
 * is faster and less destructive than a rollback.
 */
import { addedLines } from './added-lines.js';
import type { IntroducedFlag, ReleaseFile } from './types.js';

/** A pattern whose first capture group (or group named `key`) is the flag key. */
export interface FlagPattern {
  sdk: string;
  pattern: RegExp;
}

const Q = `['"\`]`;
const KEY = `([\\w.:/-]+)`;

/** Call shapes of the common SDKs in their JavaScript, Go, Python, Ruby and Java flavours. */
export const DEFAULT_FLAG_PATTERNS: readonly FlagPattern[] = [
  {
    sdk: 'launchdarkly',
    pattern: new RegExp(
      `\\b(?:variation|variationDetail|(?:bool|string|number|int|float|double|json)Variation(?:Detail)?|(?:Bool|String|Int|Float64|JSON)Variation(?:Detail)?)\\(\\s*${Q}${KEY}${Q}`,
      'g',
    ),
  },
  {
    sdk: 'unleash',
    pattern: new RegExp(
      `\\b(?:isEnabled|is_enabled|IsEnabled|getVariant|get_variant)\\(\\s*${Q}${KEY}${Q}`,
      'g',
    ),
  },
  {
    sdk: 'openfeature',
    pattern: new RegExp(
      `\\b(?:get(?:Boolean|String|Number|Integer|Double|Float|Object)(?:Value|Details)|get_(?:boolean|string|integer|float|object)_(?:value|details)|(?:Boolean|String|Int|Float|Object)Value(?:Details)?)\\(\\s*(?:ctx\\s*,\\s*)?${Q}${KEY}${Q}`,
      'g',
    ),
  },
  {
    sdk: 'flipper',
    pattern: new RegExp(`\\benabled\\?\\(\\s*(?::(\\w+)|${Q}${KEY}${Q})|Flipper\\[\\s*:(\\w+)\\s*\\]`, 'g'),
  },
  {
    sdk: 'growthbook',
    pattern: new RegExp(
      `\\b(?:isOn|isOff|is_on|is_off|getFeatureValue|get_feature_value|evalFeature|eval_feature)\\(\\s*${Q}${KEY}${Q}`,
      'g',
    ),
  },
];

export class FlagPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagPatternError';
  }
}

/**
 * Compiles the catalog's extra patterns. A pattern that is not a valid regular expression, or
 * has no capture group for the key, is refused with its text and position in the list.
 */
export function compileFlagPatterns(sources: readonly string[]): FlagPattern[] {
  return sources.map((source, index) => {
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, 'g');
    } catch (error) {
      throw new FlagPatternError(
        `flag pattern ${index + 1} (${source}) is not a valid regular expression: ${(error as Error).message}`,
      );
    }
    if (new RegExp(`${source}|`).exec('')?.length === 1)
      throw new FlagPatternError(
        `flag pattern ${index + 1} (${source}) needs a capture group around the flag key`,
      );
    return { sdk: 'custom', pattern };
  });
}

function keysIn(text: string, patterns: readonly FlagPattern[]): { key: string; sdk: string }[] {
  const found: { key: string; sdk: string }[] = [];
  for (const { sdk, pattern } of patterns) {
    for (const match of text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    )) {
      const key = match.groups?.key ?? match.slice(1).find((group) => group !== undefined);
      if (key) found.push({ key, sdk });
    }
  }
  return found;
}

/**
 * Flag keys in lines the release added whose keys the old version never referenced. Extra
 * patterns add to the defaults; they do not replace them.
 */
export function findIntroducedFlags(
  files: readonly ReleaseFile[],
  extraPatterns: readonly FlagPattern[] = [],
): IntroducedFlag[] {
  const patterns = [...DEFAULT_FLAG_PATTERNS, ...extraPatterns];
  const known = new Set(
    files.flatMap((file) => keysIn(file.before ?? '', patterns).map((found) => found.key)),
  );
  const introduced = new Map<string, IntroducedFlag>();
  for (const file of files) {
    if (file.status === 'deleted') continue;
    for (const { line, text } of addedLines(file.before, file.after))
      for (const { key, sdk } of keysIn(text, patterns))
        if (!known.has(key) && !introduced.has(key)) introduced.set(key, { key, sdk, path: file.path, line });
  }
  return [...introduced.values()];
}
