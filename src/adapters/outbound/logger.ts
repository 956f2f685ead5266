/**
 * pino, JSON by default and pretty when NODE_ENV=development. Secrets never reach a log line:
 * known paths are censored and every written line passes through the same redactor the process
 * runner uses for step output.
 */
import { pino, type Logger } from 'pino';
import { createRedactor } from './shell/redact.js';

export function createLogger(options: { level: string; pretty: boolean; secrets: string[] }): Logger {
  const redactor = createRedactor(options.secrets);
  return pino({
    level: options.level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-slack-signature"]',
        'req.headers["x-pagerduty-signature"]',
        'req.headers["x-signature-256"]',
        '*.token',
        '*.botToken',
        '*.signingSecret',
        '*.appToken',
      ],
      censor: '[REDACTED]',
    },
    hooks: { streamWrite: (line) => redactor.redact(line) },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
