import {
  hmacSha256Hex,
  verifyBearer,
  verifyDeploySignature,
  verifyPagerDuty,
} from '../../../../../src/adapters/inbound/webhooks/verify.js';

const body = Buffer.from('{"event":{}}');

describe('webhook credentials', () => {
  it('accepts any v1 signature made with any configured secret', () => {
    const header = `v1=${'0'.repeat(64)}, v1=${hmacSha256Hex('second-secret', body)}`;
    expect(verifyPagerDuty(header, body, ['first-secret', 'second-secret'])).toBe(true);
    expect(verifyPagerDuty(header, body, ['first-secret'])).toBe(false);
    expect(verifyPagerDuty(`v0=${hmacSha256Hex('first-secret', body)}`, body, ['first-secret'])).toBe(false);
    expect(verifyPagerDuty(`v1=${hmacSha256Hex('first-secret', body)}`, body, [])).toBe(false);
  });

  it('checks bearer tokens and deploy signatures exactly', () => {
    expect(verifyBearer('Bearer token-123456', 'token-123456')).toBe(true);
    expect(verifyBearer('Bearer token-1234567', 'token-123456')).toBe(false);
    expect(verifyBearer('Basic token-123456', 'token-123456')).toBe(false);
    expect(verifyBearer('Bearer anything', undefined)).toBe(false);
    expect(
      verifyDeploySignature(`sha256=${hmacSha256Hex('deploy-secret', body)}`, body, 'deploy-secret'),
    ).toBe(true);
    expect(
      verifyDeploySignature(
        `sha256=${hmacSha256Hex('deploy-secret', Buffer.from('x'))}`,
        body,
        'deploy-secret',
      ),
    ).toBe(false);
  });
});
