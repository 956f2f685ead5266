import { OutputTail } from '../../../../../src/adapters/outbound/shell/output-tail.js';

describe('OutputTail', () => {
  it('keeps short output whole', () => {
    const tail = new OutputTail({ maxBytes: 100, maxLines: 10 });
    tail.push('a\n');
    tail.push(Buffer.from('b\n'));
    expect(tail.text()).toBe('a\nb');
  });

  it('keeps the last lines of long output and marks the cut', () => {
    const tail = new OutputTail({ maxBytes: 64, maxLines: 3 });
    for (let i = 1; i <= 1000; i++) tail.push(`line ${i}\n`);
    expect(tail.text()).toBe('…\nline 998\nline 999\nline 1000');
  });

  it('never holds much more than the limit however much is written', () => {
    const tail = new OutputTail({ maxBytes: 1024, maxLines: 1000 });
    for (let i = 0; i < 1000; i++) tail.push('x'.repeat(1000) + '\n');
    expect(Buffer.byteLength(tail.text())).toBeLessThanOrEqual(1024 + 4);
  });
});
