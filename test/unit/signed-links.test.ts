import { describe, expect, it } from 'vitest';
import { meetingLinksValidUntil } from '../../src/council/distribute-meeting.js';
import { createLinkIssuer, signLink, verifyLink } from '../../src/dossier/signed-links.js';

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

describe('links for a meeting', () => {
  const secret = 'a-secret-of-at-least-32-characters-long';
  const locked = new Date('2026-12-07T02:00:00Z'); // Monday 7 December, 09:00 in Vietnam
  const issue = createLinkIssuer({ secret, ttlHours: 7 * 24, baseUrl: 'https://ocop.example.vn', now: () => locked });
  const tokenOf = (url: string) => url.split('/').at(-1) ?? '';

  it('a meeting three weeks after the lock: the link still opens on the meeting day and for the minutes after it', () => {
    const link = issue('packet', 5n, 'member-1', meetingLinksValidUntil('2026-12-28'));
    expect(verifyLink(tokenOf(link.url), secret, new Date('2026-12-28T10:00:00Z'), { kind: 'packet' }).ok).toBe(true);
    expect(verifyLink(tokenOf(link.url), secret, new Date(`2027-01-27T16:59:00Z`), { kind: 'packet' }).ok).toBe(true);
    // 30 days after the meeting day have passed (00:00 on 28/01/2027 in Vietnam).
    expect(verifyLink(tokenOf(link.url), secret, new Date('2027-01-27T17:00:00Z'), { kind: 'packet' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('a longer usual validity is kept, and a link outside a meeting has the usual validity', () => {
    const generous = createLinkIssuer({ secret, ttlHours: 90 * 24, baseUrl: 'https://ocop.example.vn', now: () => locked });
    expect(generous('packet', 5n, 'member-1', meetingLinksValidUntil('2026-12-08')).expiresAt).toEqual(new Date('2027-03-07T02:00:00Z'));
    expect(issue('packet', 5n, 'member-1').expiresAt).toEqual(new Date('2026-12-14T02:00:00Z'));
  });
});
