/** Requests signed as Slack signs them: the sandbox's own (src/sandbox/slack/requests.ts). */
export * from '../../src/sandbox/slack/requests.js';
