import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../helpers/zalo-harness.js';

describe('logger', () => {
  it('never writes tokens, secrets, message texts or phone numbers', () => {
    const { logger, lines } = capturedLogger('info');
    logger.info(
      { access_token: 'tok-A', refreshToken: 'tok-R', headers: { access_token: 'tok-H', secret_key: 'sec' }, body: { text: 'Số nhà 12', phone: '84912345678' }, text: 'xin chào' },
      'something happened',
    );
    const written = lines.join('');
    expect(written).toContain('something happened');
    for (const secret of ['tok-A', 'tok-R', 'tok-H', 'sec"', 'Số nhà 12', '84912345678', 'xin chào']) expect(written).not.toContain(secret);
  });
});
