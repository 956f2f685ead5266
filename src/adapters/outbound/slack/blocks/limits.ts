/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
export const MAX_CONTEXT_ELEMENTS = 10;
export const MAX_FALLBACK_TEXT = 3000;
