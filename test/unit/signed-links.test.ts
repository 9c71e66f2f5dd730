import { describe, expect, it } from 'vitest';
import { signLink, verifyLink } from '../../src/dossier/signed-links.js';

const secret = 'link-secret-for-tests-0123456789';
const now = new Date('2026-11-23T02:00:00Z');
const exp = Math.floor(now.getTime() / 1000) + 3600;
const packetFor = (to: string) => signLink({ kind: 'packet', id: '42', to, exp }, secret);

describe('signed, expiring, per-recipient links', () => {
  it('opens for the person it was issued to, until it expires', () => {
    expect(verifyLink(packetFor('member-1'), secret, now, { kind: 'packet', requester: 'member-1' })).toEqual({ ok: true, payload: { kind: 'packet', id: '42', to: 'member-1', exp } });
    expect(verifyLink(packetFor('member-1'), secret, new Date((exp + 1) * 1000), { kind: 'packet' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a tampered link: another packet, another recipient, a later expiry, another secret', () => {
    const [data, mac] = packetFor('member-1').split('.');
    const altered = (change: object) => {
      const payload = { ...JSON.parse(Buffer.from(data!, 'base64url').toString('utf8')), ...change };
      return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    };
    for (const change of [{ id: '43' }, { to: 'member-2' }, { exp: exp + 86_400 }]) {
      expect(verifyLink(altered(change), secret, now, { kind: 'packet' })).toEqual({ ok: false, reason: 'forged' });
    }
    expect(verifyLink(packetFor('member-1'), 'another-secret', now, { kind: 'packet' })).toEqual({ ok: false, reason: 'forged' });
    expect(verifyLink('not-a-token', secret, now, { kind: 'packet' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLink(`${packetFor('member-1')}.x`, secret, now, { kind: 'packet' })).toEqual({ ok: false, reason: 'malformed' });
  });

  it("refuses another recipient's link, and a packet link used for a document", () => {
    expect(verifyLink(packetFor('member-1'), secret, now, { kind: 'packet', requester: 'member-2' })).toEqual({ ok: false, reason: 'wrong_recipient' });
    expect(verifyLink(packetFor('member-1'), secret, now, { kind: 'document' })).toEqual({ ok: false, reason: 'malformed' });
  });
});
