#!/usr/bin/env node
/**
 * The sandbox's deploy tool for its demo service, run by the demo catalog's steps as argv:
 *   demo-ctl <service-url> deploy <version>     switch the running version
 *   demo-ctl <service-url> sql <statement>      run SQL on the demo database (the sqlRunner)
 * Exit 0 when the service took it, 1 when it refused (its reason on stderr), 2 on usage.
 */
const USAGE = 'usage: demo-ctl <service-url> deploy <version> | demo-ctl <service-url> sql <statement>';

async function main(argv: string[]): Promise<number> {
  const [url, verb, value, ...rest] = argv;
  if (!url || !/^http:\/\/127\.0\.0\.1:\d+$/.test(url) || !value || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const body = verb === 'deploy' ? { version: value } : verb === 'sql' ? { sql: value } : undefined;
  if (!body) {
    console.error(USAGE);
    return 2;
  }
  const res = await fetch(`${url}/admin/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const answer = (await res.json()) as { error?: string; version?: string; metadataDefault?: boolean };
  if (!res.ok) {
    console.error(`demo-ctl: ${answer.error ?? `HTTP ${res.status}`}`);
    return 1;
  }
  console.log(
    verb === 'deploy'
      ? `checkout now runs ${answer.version}`
      : `orders.order_metadata ${answer.metadataDefault ? 'now has a default' : 'has no default'}`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`demo-ctl: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
