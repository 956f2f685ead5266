/** The tests drive the bot through the same Slack stand-in the sandbox runs (src/sandbox/slack). */
export * from '../../src/sandbox/slack/stand-in.js';
export { SlackStandIn as SlackStub } from '../../src/sandbox/slack/stand-in.js';
