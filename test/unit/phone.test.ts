import { describe, expect, it } from 'vitest';
import { displayPhone } from '../../src/text/phone.js';

describe('phone numbers as people write them', () => {
  it('shows 84… numbers as 0xxx xxx xxx, and leaves anything else as it is', () => {
    expect(displayPhone('84912345678')).toBe('0912 345 678');
    expect(displayPhone('84283123456')).toBe('0283 123 456');
    expect(displayPhone('842838123456')).toBe('02838123456');
    expect(displayPhone('1900123')).toBe('1900123');
  });
});
