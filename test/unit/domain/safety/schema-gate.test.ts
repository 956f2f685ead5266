import { ensureParserLoaded } from '../../../../src/domain/safety/sql-parser.js';
import { evaluateGate, gateRequirements } from '../../../../src/domain/safety/schema-gate.js';

beforeAll(() => ensureParserLoaded());

const SET_DEFAULT = "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'";

describe('the schema gate', () => {
  it('reads what a SET DEFAULT or DROP NOT NULL precondition requires, and nothing from other SQL', () => {
    expect(
      gateRequirements([
        { sql: SET_DEFAULT, why: 'old inserts omit it' },
        { sql: 'ALTER TABLE billing.invoices ALTER COLUMN note DROP NOT NULL', why: 'w' },
        { sql: "UPDATE orders SET order_metadata = '{}'", why: 'backfill' },
      ]),
    ).toEqual({
      requirements: [
        { table: 'orders', column: 'order_metadata', sql: SET_DEFAULT, why: 'old inserts omit it' },
        {
          schema: 'billing',
          table: 'invoices',
          column: 'note',
          sql: 'ALTER TABLE billing.invoices ALTER COLUMN note DROP NOT NULL',
          why: 'w',
        },
      ],
      unreadable: ["UPDATE orders SET order_metadata = '{}'"],
    });
  });

  it('is open only when every column accepts inserts that omit it', () => {
    const [requirement] = gateRequirements([{ sql: SET_DEFAULT, why: 'w' }]).requirements;
    const column = { table: 'orders', column: 'order_metadata', exists: true };
    expect(evaluateGate([requirement!], [{ ...column, nullable: false, hasDefault: false }])).toEqual({
      open: false,
      inEffect: [],
      missing: [`orders.order_metadata is still NOT NULL without a default: run \`${SET_DEFAULT}\` first`],
    });
    expect(evaluateGate([requirement!], [{ ...column, nullable: false, hasDefault: true }]).open).toBe(true);
    expect(evaluateGate([requirement!], [{ ...column, nullable: true, hasDefault: false }]).inEffect).toEqual(
      ['orders.order_metadata is nullable'],
    );
    // A table the database does not have is not proof of anything.
    expect(evaluateGate([requirement!], []).missing[0]).toMatch(/not in the live database/);
  });
});
