/**
 * `rollback-bot sandbox` end to end, as a newcomer meets it: a real process (its own redis-server,
 * the Slack stand-in, the demo service, the bot), driven through its page in headless Chromium.
 * Type the command, read the card, be refused as the requester, waive the gate and approve as the
 * two approvers, see the thread end with the postmortem and the demo service back on v2.3.0; then
 * Ctrl-C, and nothing it started is left.
 */
import { execa, type ResultPromise } from 'execa';
import { connect } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = new URL('../../../', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let sandbox: ResultPromise | undefined;
let browser: Browser | undefined;
let output = '';

afterEach(async () => {
  await browser?.close();
  if (sandbox && sandbox.exitCode === null) sandbox.kill('SIGKILL');
  await sandbox?.catch(() => undefined);
});

/** Resolves with the ready URL once the sandbox prints it. */
function readyUrl(child: ResultPromise): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Sandbox ready: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.catch((error: unknown) =>
      reject(new Error(`the sandbox exited before it was ready:\n${output}\n${String(error)}`)),
    );
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

async function children(pid: number): Promise<number[]> {
  const { stdout } = await execa('pgrep', ['-P', String(pid)], { reject: false });
  return stdout.split('\n').filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function actAs(page: Page, userId: string) {
  await page.selectOption('#as-user', userId);
}

/** Clicks a card button, confirming its dialog when it has one. */
async function click(page: Page, label: string, confirm = false) {
  await page
    .locator('#messages article.message')
    .first()
    .getByRole('button', { name: label, exact: true })
    .click();
  if (confirm) await page.locator('#confirm-ok').click();
}

it('runs the classic incident from the page: card, refusal, gate, approval, postmortem, v2.3.0; Ctrl-C leaves nothing', async () => {
  const { REDIS_URL: _shared, ...env } = process.env;
  sandbox = execa(process.execPath, ['--import', './scripts/ts-register.js', 'src/cli.ts', 'sandbox'], {
    cwd: ROOT,
    env: { ...env, PORT: '0', LOG_LEVEL: 'warn' },
    extendEnv: false,
    reject: false,
  });
  const url = await readyUrl(sandbox);
  const port = Number(new URL(url).port);
  const started = await children(sandbox.pid!);
  expect(started.length).toBeGreaterThan(0); // its own redis-server

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('#demo').getByText('v2.4.0').waitFor();

  await page.fill('#composer', '/rollback checkout production --to v2.3.0 checkout errors after v2.4.0');
  await page.press('#composer', 'Enter');
  const card = page.locator('#messages article.message').first();
  await card.getByText('Rollback safety: conditional').waitFor({ timeout: 30_000 });
  await expect(card.textContent()).resolves.toContain('ends the release NOT NULL without a default');
  await expect(card.textContent()).resolves.toContain('Switch checkout back to v2.3.0');
  // Measured by the sandbox's Prometheus against the demo service's pre-deploy hour, with the chart.
  await expect(card.textContent()).resolves.toMatch(/Errors \d+(\.\d)?% \(baseline 0\.1%\)/);
  await expect(card.textContent()).resolves.toContain('src/orders/retry.js still calls');

  // The requester is not an approver: told so, and only them.
  await click(page, 'Approve', true);
  await page.locator('.ephemeral').getByText('You are not an approver for checkout/production.').waitFor();

  // The approvers: both waive the schema gate the card asks them to, then one approves.
  await actAs(page, 'U0APPROVER1');
  await expect(page.locator('.ephemeral').count()).resolves.toBe(0); // not Ada's to see
  await click(page, 'Waive the schema gate', true);
  await page.locator('.ephemeral').getByText('Waiver recorded (1 of 2).').waitFor();
  await actAs(page, 'U0APPROVER2');
  await click(page, 'Waive the schema gate', true);
  await page
    .locator('.ephemeral')
    .getByText(/The schema gate of RB-\d+ is waived/)
    .waitFor();
  await click(page, 'Approve', true);

  // The thread ends with the postmortem; the demo service runs v2.3.0 and its errors are gone.
  await page
    .locator('#thread')
    .getByText(/Postmortem agenda/)
    .first()
    .waitFor({ timeout: 30_000 });
  await page.locator('#thread img[alt*="error rate and p99"]').first().waitFor();
  await page.locator('#demo').getByText('v2.3.0').waitFor();
  await expect(page.locator('#demo').textContent()).resolves.toContain('has a default');
  // Its error rate over the last 10 s falls back to the baseline.
  await page.locator('#demo .good').waitFor({ timeout: 20_000 });
  await browser.close();
  browser = undefined;

  sandbox.kill('SIGINT');
  const result = await sandbox;
  expect(result.exitCode).toBe(0);
  expect(output).toContain('Sandbox stopped.');
  expect(await refused(port)).toBe(true);
  for (const pid of started) expect(alive(pid)).toBe(false);
}, 120_000);
