export { webhookRouter, type WebhookDeps, type WebhookSecrets, type DuplicateSignal } from './router.js';
