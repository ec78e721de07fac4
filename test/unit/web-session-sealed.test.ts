import { WebSession, seal, unseal } from '../../src/web/session';

const NOW = new Date('2026-11-30T10:00:00Z');
const TOKEN = 'A'.repeat(43);
const OTHER = 'B'.repeat(43);

describe('sealed session values', () => {
  it('opens with the token it was sealed under, and with no other', () => {
    const value = { link: 'https://hubkey.example/invitations/secret-token', n: 3, nested: { ok: true } };
    const sealed = seal(TOKEN, value);
    expect(JSON.stringify(sealed)).not.toContain('secret-token');
    expect(unseal(TOKEN, sealed)).toEqual(value);
    expect(unseal(OTHER, sealed)).toBeUndefined();
    // Each sealing has its own nonce: the same value sealed twice looks different.
    expect(seal(TOKEN, value).$sealed).not.toBe(sealed.$sealed);
  });

  it('refuses a sealed value that was changed or cut short', () => {
    const sealed = seal(TOKEN, 'secret');
    const raw = Buffer.from(sealed.$sealed, 'base64url');
    for (const i of [0, 12, 20, raw.length - 1]) {
      const bent = Buffer.from(raw);
      bent[i] ^= 1;
      expect(unseal(TOKEN, { $sealed: bent.toString('base64url') })).toBeUndefined();
    }
    expect(unseal(TOKEN, { $sealed: raw.subarray(0, 20).toString('base64url') })).toBeUndefined();
    expect(unseal(TOKEN, { $sealed: '' })).toBeUndefined();
  });

  it('a session writes the value sealed under the token its cookie gets, and the next request takes it once', () => {
    const first = new WebSession(undefined, null, {});
    first.setSealed('flash', { kind: 'success', title: 'Invited', body: 'Send them https://x/invitations/abc' });
    const plan = first.plan(NOW);
    const token = plan.write!.token;
    expect(JSON.stringify(plan.write!.data)).not.toContain('invitations/abc');

    const next = new WebSession(token, null, JSON.parse(JSON.stringify(plan.write!.data)));
    expect(next.take('flash')).toEqual({ kind: 'success', title: 'Invited', body: 'Send them https://x/invitations/abc' });
    expect(next.take('flash')).toBeUndefined();
    expect(next.plan(NOW).write!.data).toEqual({});

    // A copy of the row with another cookie (or none) opens nothing.
    expect(new WebSession(OTHER, null, JSON.parse(JSON.stringify(plan.write!.data))).take('flash')).toBeUndefined();
  });

  it('in the request that set it, take answers the value itself; a plain set afterwards replaces the sealed one', () => {
    const s = new WebSession(TOKEN, null, {});
    s.setSealed('flash', { kind: 'info', title: 'One' });
    s.set('flash', { kind: 'info', title: 'Two' });
    expect(s.plan(NOW).write!.data).toEqual({ flash: { kind: 'info', title: 'Two' } });
    const t = new WebSession(TOKEN, null, {});
    t.setSealed('flash', { kind: 'info', title: 'Three' });
    expect(t.take('flash')).toEqual({ kind: 'info', title: 'Three' });
    expect(t.plan(NOW).write!.data).toEqual({});
  });

  it('sealed under the new token when signing in rotates it in the same request', () => {
    const s = new WebSession(TOKEN, null, {});
    s.setSealed('flash', { kind: 'success', title: 'Welcome' });
    s.signIn('user-1');
    const plan = s.plan(NOW);
    expect(plan.write!.token).not.toBe(TOKEN);
    expect(new WebSession(plan.write!.token, 'user-1', JSON.parse(JSON.stringify(plan.write!.data))).take('flash')).toEqual({ kind: 'success', title: 'Welcome' });
    expect(new WebSession(TOKEN, 'user-1', JSON.parse(JSON.stringify(plan.write!.data))).take('flash')).toBeUndefined();
  });
});
