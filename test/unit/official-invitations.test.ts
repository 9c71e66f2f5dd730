import { describe, expect, it } from 'vitest';
import { isInvitationCodeLike, normalizeInvitationCode } from '../../src/officials/official-invitations.js';

describe('normalizeInvitationCode', () => {
  it.each([
    ['OCOP-7KQ2-M9XT', 'as printed'],
    ['ocop-7kq2-m9xt', 'lower case'],
    ['ocop 7kq2 m9xt', 'spaces for hyphens'],
    ['  OCOP7KQ2M9XT  ', 'no separators, padded'],
    ['OCOP–7KQ2—M9XT', 'en and em dashes'],
    ['OCOP − 7KQ2 − M9XT', 'a minus sign'],
    ['ÔCOP-7KQ2-M9XT', 'a circumflex a Vietnamese keyboard added'],
    ['O\u0302COP-7KQ2-M9XT', 'the same circumflex in NFD'],
    ['ＯＣＯＰ－７ＫＱ２－Ｍ９ＸＴ', 'full-width characters'],
    ['ocop-7kq2\tm9xt\n', 'tabs and a new line'],
  ])('reads %j (%s) as OCOP-7KQ2-M9XT', (typed) => {
    expect(normalizeInvitationCode(typed)).toBe('OCOP-7KQ2-M9XT');
  });

  it.each([
    ['OCOP-7KQ2-M9X', 'too short'],
    ['OCOP-7KQ2-M9XTA', 'too long'],
    ['OCOP-0KQ2-M9XT', 'a zero, never drawn'],
    ['OCOP-IKQ2-M9XT', 'an I, never drawn'],
    ['OCOP-LKQ2-M9XT', 'an L, never drawn'],
    ['7KQ2-M9XT', 'no OCOP prefix'],
    ['Tôi muốn đăng ký sản phẩm OCOP', 'an ordinary message'],
    ['', 'nothing'],
    [`OCOP-7KQ2-M9XT${' '.repeat(40)}`, 'absurdly long'],
  ])('refuses %j (%s)', (typed) => {
    expect(normalizeInvitationCode(typed)).toBeNull();
    expect(isInvitationCodeLike(typed)).toBe(false);
  });

  it('isInvitationCodeLike agrees with normalizeInvitationCode', () => {
    expect(isInvitationCodeLike('ocop 7kq2 m9xt')).toBe(true);
  });
});
