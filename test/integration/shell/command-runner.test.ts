import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecaCommandRunner } from '../../../src/adapters/outbound/shell/command-runner.js';
import { createRedactor } from '../../../src/adapters/outbound/shell/redact.js';
import { REPO, isAlive, scratchDir, waitFor } from '../execution/helpers.js';

const fixture = (name: string) => join(REPO, 'test/fixtures/steps', name);
const node = process.execPath;

describe('ExecaCommandRunner (real processes)', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());

  it('passes argv exactly: spaces, quotes and $(…) stay literal, nothing is interpreted by a shell', async () => {
    const runner = new ExecaCommandRunner();
    const args = [
      'two words',
      `it's "quoted"`,
      '$(touch /tmp/pwned)',
      '`id`',
      '; rm -rf /',
      '*',
      '$HOME',
      '',
    ];
    const result = await runner.run({ argv: [node, fixture('print-argv.mjs'), ...args], timeoutMs: 10_000 });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(result.outputTail)).toEqual(args);
  });

  it('never hands SLACK_BOT_TOKEN or other secrets to a child, but passes the allowlist and the step env', async () => {
    const before = process.env.SLACK_BOT_TOKEN;
    process.env.SLACK_BOT_TOKEN = 'xoxb-1111-2222-parent-token';
    try {
      const runner = new ExecaCommandRunner({
        tail: { maxBytes: 64 * 1024, maxLines: 1000 },
        parentEnv: {
          ...process.env,
          SLACK_SIGNING_SECRET: 'sign-me',
          KUBECONFIG: '/k/config',
          HELM_NAMESPACE: 'prod',
        },
      });
      const result = await runner.run({
        argv: [node, fixture('print-env.mjs')],
        env: { TARGET_REVISION: '42' },
        timeoutMs: 10_000,
      });
      expect(result.status).toBe('succeeded');
      const env = JSON.parse(result.outputTail) as Record<string, string>;
      expect(env.SLACK_BOT_TOKEN).toBeUndefined();
      expect(env.SLACK_SIGNING_SECRET).toBeUndefined();
      expect(env.REDIS_URL).toBeUndefined();
      expect(env).toMatchObject({ KUBECONFIG: '/k/config', HELM_NAMESPACE: 'prod', TARGET_REVISION: '42' });
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      if (before === undefined) delete process.env.SLACK_BOT_TOKEN;
      else process.env.SLACK_BOT_TOKEN = before;
    }
  });

  it('redacts known secrets and token patterns in the captured output', async () => {
    const runner = new ExecaCommandRunner({ redactor: createRedactor(['hunter2-db-password']) });
    const printed =
      'db hunter2-db-password; token xoxb-123-456-abcdef; Authorization: Bearer eyJhbGciOi.x.y; ok';
    const result = await runner.run({
      argv: [node, fixture('record.mjs'), '--print', printed],
      timeoutMs: 10_000,
    });
    expect(result.outputTail).toBe(
      'db [REDACTED]; token xoxb-[REDACTED]; Authorization: Bearer [REDACTED]; ok',
    );
  });

  it("redacts the step's own env values and secret-named variables it inherits, whatever their shape", async () => {
    const runner = new ExecaCommandRunner({
      parentEnv: { PATH: process.env.PATH, HELM_REPO_PASSWORD: 'plain-words-pass' },
    });
    const result = await runner.run({
      argv: [
        node,
        '-e',
        'for (const n of ["API_URL", "DB_ROLE", "HELM_REPO_PASSWORD"]) console.log(`${n}=${process.env[n]}`)',
      ],
      env: { API_URL: 'https://internal.example/api', DB_ROLE: 'orders_admin' },
      timeoutMs: 10_000,
    });
    expect(result.status).toBe('succeeded');
    expect(result.outputTail).toBe('API_URL=[REDACTED]\nDB_ROLE=[REDACTED]\nHELM_REPO_PASSWORD=[REDACTED]');
  });

  it('reports a non-zero exit as failed with its code and the output tail', async () => {
    const result = await new ExecaCommandRunner().run({
      argv: [node, fixture('record.mjs')],
      env: { STEP_EXIT: '3' },
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, error: 'exited with code 3' });
    expect(result.outputTail).toContain('step failing with exit code 3');
  });

  describe("output: 'stdout' (output parsed as data)", () => {
    // Writes data to stdout and a warning to stderr between its lines, then exits with STEP_EXIT.
    const chatty = [
      node,
      '-e',
      `process.stdout.write('line one\\n');
       process.stderr.write('warning: refname is ambiguous\\n');
       process.stdout.write('line two\\n');
       process.stderr.write('fatal: the last word\\n');
       process.exitCode = Number(process.env.STEP_EXIT ?? 0);`,
    ];

    it('keeps stderr out of the output, so a warning is never read as data', async () => {
      const result = await new ExecaCommandRunner({ output: 'stdout' }).run({
        argv: chatty,
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({ status: 'succeeded', outputTail: 'line one\nline two' });
    });

    it('still says what stderr said when the command fails', async () => {
      const result = await new ExecaCommandRunner({ output: 'stdout' }).run({
        argv: chatty,
        env: { STEP_EXIT: '2' },
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({
        status: 'failed',
        exitCode: 2,
        outputTail: 'line one\nline two',
        error: 'exited with code 2\nwarning: refname is ambiguous\nfatal: the last word',
      });
    });

    it('interleaves both streams by default, as a log tail reads', async () => {
      const result = await new ExecaCommandRunner().run({ argv: chatty, timeoutMs: 10_000 });
      expect(result.outputTail).toContain('warning: refname is ambiguous');
      expect(result.outputTail).toContain('line two');
    });
  });

  it('kills a step past its timeout, grandchildren included, and says it timed out', async () => {
    const pids = join(scratch.dir, 'grandchild.json');
    const result = await new ExecaCommandRunner({ killGraceMs: 200 }).run({
      argv: [node, fixture('spawn-grandchild.mjs')],
      env: { STEP_LOG: pids },
      timeoutMs: 400,
    });
    expect(result.status).toBe('timed_out');
    const { parent, grandchild } = JSON.parse(readFileSync(pids, 'utf8')) as {
      parent: number;
      grandchild: number;
    };
    await waitFor(() => !isAlive(parent) && !isAlive(grandchild), 3000, 'the process group to die');
  });

  it('kills the process when the AbortSignal fires and reports cancelled', async () => {
    const log = scratch.log('cancel');
    const controller = new AbortController();
    const running = new ExecaCommandRunner({ killGraceMs: 200 }).run({
      argv: [node, fixture('record.mjs')],
      env: { STEP_LOG: log, STEP_SLEEP_MS: '20000' },
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    await waitFor(() => readFileSyncSafe(log).includes('"start"'), 5000, 'the step to start');
    const pid = (JSON.parse(readFileSyncSafe(log).split('\n')[0] ?? '{}') as { pid: number }).pid;
    controller.abort(new Error('shutting down'));
    const result = await running;
    expect(result).toMatchObject({ status: 'cancelled', error: 'cancelled: shutting down' });
    await waitFor(() => !isAlive(pid), 3000, 'the step to die');
    // Killed, not left to finish its 20 s.
    expect(readFileSyncSafe(log)).toContain('"killed"');
    expect(readFileSyncSafe(log)).not.toContain('"end"');
  });

  it('reports a missing executable as not_found', async () => {
    const result = await new ExecaCommandRunner().run({
      argv: ['no-such-tool-rb', 'rollout'],
      timeoutMs: 5000,
    });
    expect(result).toMatchObject({ status: 'not_found', error: 'executable "no-such-tool-rb" not found' });
  });

  it('refuses a malformed request with an error naming the problem, running nothing', async () => {
    const runner = new ExecaCommandRunner();
    await expect(runner.run({ argv: [], timeoutMs: 1000 })).rejects.toThrow('argv must not be empty');
    await expect(runner.run({ argv: [node, '-e', ''], timeoutMs: 0 })).rejects.toThrow(
      'timeoutMs must be a positive',
    );
    await expect(runner.run({ argv: [node], env: { 'BAD NAME': 'x' }, timeoutMs: 1000 })).rejects.toThrow(
      'step env name "BAD NAME" is not a valid variable name',
    );
  });

  it('keeps only the tail of a long output', async () => {
    const result = await new ExecaCommandRunner({ tail: { maxBytes: 4096, maxLines: 5 } }).run({
      argv: [node, '-e', 'for (let i = 1; i <= 5000; i++) console.log("line " + i)'],
      timeoutMs: 10_000,
    });
    expect(result.outputTail).toBe(
      ['…', 'line 4996', 'line 4997', 'line 4998', 'line 4999', 'line 5000'].join('\n'),
    );
  });
});

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
