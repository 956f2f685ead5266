import { createRedactor, secretValuesOf } from '../../../../../src/adapters/outbound/shell/redact.js';

describe('createRedactor', () => {
  const redactor = createRedactor(['s3cr3t-signing', undefined, 'abc', 's3cr3t-signing-longer']);

  it('replaces known secret values, the longest first', () => {
    expect(redactor.redact('sig s3cr3t-signing-longer and s3cr3t-signing')).toBe(
      'sig [REDACTED] and [REDACTED]',
    );
  });

  it('leaves values too short to be secrets alone', () => {
    expect(redactor.redact('abc abc')).toBe('abc abc');
  });

  it.each([
    ['token xoxb-1234-5678-abcdefgh', 'token xoxb-[REDACTED]'],
    ['app xapp-1-A0B1C2-3456', 'app xapp-[REDACTED]'],
    ['Authorization: Bearer abc.def.ghi', 'Authorization: Bearer [REDACTED]'],
    ['password=hunter22 user=bob', 'password=[REDACTED] user=bob'],
    ['DB_PASSWORD: "p@ss w" next', 'DB_PASSWORD: [REDACTED] next'],
    ["{'client_secret': 'abc def'}", "{'client_secret': [REDACTED]}"],
    ['api_key=XYZ123456&x=1', 'api_key=[REDACTED]&x=1'],
    ['postgres://app:pa55word@db:5432/x', 'postgres://app:[REDACTED]@db:5432/x'],
    ['key AKIAABCDEFGHIJKLMNOP', 'key [REDACTED]'],
    ['nothing secret here: revision 42', 'nothing secret here: revision 42'],
  ])('redacts token patterns: %s', (input, expected) => {
    expect(redactor.redact(input)).toBe(expected);
  });
});

describe('secretValuesOf', () => {
  it('takes the values of variables whose names look secret, and only those', () => {
    expect(
      secretValuesOf({
        PGPASSWORD: 'pw-123456',
        AWS_SECRET_ACCESS_KEY: 'aws-secret',
        GITHUB_TOKEN: 'gh-token',
        DB_CREDENTIALS: 'user:pass',
        API_KEY: 'k-123456',
        PATH: '/usr/bin',
        NAMESPACE: 'production',
        UNSET_TOKEN: undefined,
      }),
    ).toEqual(['pw-123456', 'aws-secret', 'gh-token', 'user:pass', 'k-123456']);
  });
});
