/**
 * The environment a step's process sees: an explicit allowlist from the bot's own environment plus
 * the step's `env` from the catalog. Nothing else is inherited, so SLACK_BOT_TOKEN, webhook secrets
 * and the like never reach a child, whatever the bot's environment holds.
 */

/** Variables copied from the parent when set. */
export const INHERITED_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'TZ',
  'KUBECONFIG',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'CLOUDSDK_CONFIG',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'NO_PROXY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'no_proxy',
  'http_proxy',
  'https_proxy',
];

/** Prefixes copied from the parent (Helm's settings: HELM_NAMESPACE, HELM_KUBECONTEXT…). */
export const INHERITED_ENV_PREFIXES: readonly string[] = ['HELM_'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown when a step's own env is malformed; the step is not run. */
export class ChildEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChildEnvError';
  }
}

function isInherited(name: string): boolean {
  return (
    INHERITED_ENV_NAMES.includes(name) || INHERITED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

/**
 * Builds a child's environment. The step's own `env` wins over inherited values (the catalog is
 * the operator's word); a name that is not a valid variable name, or a value with a NUL byte, is
 * refused with an error naming it.
 */
export function buildChildEnv(
  parentEnv: NodeJS.ProcessEnv,
  stepEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parentEnv)) {
    if (value !== undefined && isInherited(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(stepEnv)) {
    if (!ENV_NAME.test(name)) throw new ChildEnvError(`step env name "${name}" is not a valid variable name`);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new ChildEnvError(`step env ${name} must be a string without NUL bytes`);
    }
    env[name] = value;
  }
  return env;
}
