/**
 * The demo service's git history: v2.3.0, then the bad v2.4.0 of the classic incident. The release
 * adds a NOT NULL column without a default (rolling the code back makes every old insert fail),
 * bumps the payment SDK a major version but migrates only one of its two call sites, and puts the
 * new discount form behind a flag the frontend alone checks. The sandbox analyses it on the card;
 * the tests read the same history, so what a newcomer sees is what is tested.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export interface DemoRelease {
  tag: string;
  /** Path → content; the files a release does not name stay as the previous one left them. */
  files: Record<string, string>;
}

const manifest = (version: string, stripe: string) =>
  `${JSON.stringify({ name: 'checkout', version, private: true, dependencies: { express: '^4.21.0', stripe } }, null, 2)}\n`;

export const DEMO_RELEASES: readonly DemoRelease[] = [
  {
    tag: 'v2.3.0',
    files: {
      'package.json': manifest('2.3.0', '^14.25.0'),
      'migrations/001_create_orders.sql':
        'CREATE TABLE orders (\n  id serial PRIMARY KEY,\n  customer text NOT NULL,\n  total_cents integer NOT NULL\n);\n',
      'src/orders/create.js':
        "export async function createOrder(db, order) {\n  return db.query('INSERT INTO orders (customer, total_cents) VALUES ($1, $2)', [order.customer, order.totalCents]);\n}\n",
      'src/orders/retry.js':
        "import Stripe from 'stripe';\nconst stripe = new Stripe(process.env.STRIPE_KEY);\n\nexport async function retryPayment(order) {\n  return stripe.charges.create({ amount: order.totalCents, currency: 'eur' });\n}\n",
      'src/payments/charge.js':
        "import Stripe from 'stripe';\nconst stripe = new Stripe(process.env.STRIPE_KEY);\n\nexport async function charge(order) {\n  return stripe.charges.create({ amount: order.totalCents, currency: 'eur' });\n}\n",
      'web/src/Checkout.tsx': 'export const Checkout = () => <OrderForm />;\n',
    },
  },
  {
    tag: 'v2.4.0',
    files: {
      'package.json': manifest('2.4.0', '^15.0.0'),
      'migrations/002_add_order_metadata.sql':
        'ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;\n',
      'src/orders/create.js':
        "export async function createOrder(db, order) {\n  return db.query('INSERT INTO orders (customer, total_cents, order_metadata) VALUES ($1, $2, $3)', [order.customer, order.totalCents, order.metadata]);\n}\n",
      'src/payments/charge.js':
        "import Stripe from 'stripe';\nconst stripe = new Stripe(process.env.STRIPE_KEY);\n\nexport async function charge(order) {\n  return stripe.paymentIntents.create({ amount: order.totalCents, currency: 'eur', confirm: true });\n}\n",
      'web/src/Checkout.tsx':
        "export const Checkout = () => (ld.variation('discount-codes', user, false) ? <DiscountForm /> : <OrderForm />);\n",
    },
  },
];

/** Writes the demo history into `dir` (a new, empty directory) as tagged commits. */
export async function writeDemoRepo(dir: string, releases = DEMO_RELEASES): Promise<void> {
  // A fixed identity and no user config: the sandbox must work on a machine without git set up.
  const git = (args: string[]) =>
    execa('git', ['-C', dir, ...args], {
      env: {
        GIT_AUTHOR_NAME: 'Demo',
        GIT_AUTHOR_EMAIL: 'demo@example.invalid',
        GIT_COMMITTER_NAME: 'Demo',
        GIT_COMMITTER_EMAIL: 'demo@example.invalid',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });
  await mkdir(dir, { recursive: true });
  await git(['init', '-q', '-b', 'main']);
  for (const release of releases) {
    for (const [path, content] of Object.entries(release.files)) {
      const file = join(dir, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', `Release ${release.tag}`]);
    await git(['tag', release.tag]);
  }
}
