import { randomBytes } from 'node:crypto';
import {
  CodeCipherError,
  createCodeCipher,
  generateDeviceKey,
  hashPassword,
  needsRehash,
  hashSecret,
  parseKey32,
  secureRandomInt,
  verifyPassword,
  verifySecret,
} from '../../src/lib/crypto';

const KEY_BYTES = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const KEY_HEX = KEY_BYTES.toString('hex');
const KEY_B64 = KEY_BYTES.toString('base64');

describe('parseKey32', () => {
  it('accepts hex, base64 and base64url forms of the same key', () => {
    expect(parseKey32(KEY_HEX).equals(KEY_BYTES)).toBe(true);
    expect(parseKey32(KEY_HEX.toUpperCase()).equals(KEY_BYTES)).toBe(true);
    expect(parseKey32(KEY_B64).equals(KEY_BYTES)).toBe(true);
    expect(parseKey32(KEY_BYTES.toString('base64url')).equals(KEY_BYTES)).toBe(true);
    expect(parseKey32(` ${KEY_B64}\n`).equals(KEY_BYTES)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too short hex', KEY_HEX.slice(2)],
    ['16-byte base64', randomBytes(16).toString('base64')],
    ['48-byte base64', randomBytes(48).toString('base64')],
    ['not base64', '!'.repeat(44)],
  ])('rejects %s', (_label, key) => {
    expect(() => createCodeCipher(key)).toThrow(CodeCipherError);
  });
});

describe('createCodeCipher', () => {
  const cipher = createCodeCipher(KEY_HEX);

  it('round-trips a code', () => {
    const token = cipher.encrypt('482913');
    expect(token.startsWith('v1.')).toBe(true);
    expect(token.slice(3)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('482913');
    expect(cipher.decrypt(token)).toBe('482913');
  });

  it('round-trips empty and non-ASCII text', () => {
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('café ☕'))).toBe('café ☕');
  });

  it('uses a fresh IV each time', () => {
    const a = cipher.encrypt('482913');
    const b = cipher.encrypt('482913');
    expect(a).not.toBe(b);
    const iv = (t: string) => Buffer.from(t.slice(3), 'base64url').subarray(0, 12).toString('hex');
    expect(iv(a)).not.toBe(iv(b));
    // iv (12) + tag (16) + ciphertext (6)
    expect(Buffer.from(a.slice(3), 'base64url')).toHaveLength(34);
  });

  it('decrypts with the same key given in another encoding', () => {
    expect(createCodeCipher(KEY_B64).decrypt(cipher.encrypt('730519'))).toBe('730519');
  });

  it('refuses a token made with another key', () => {
    const other = createCodeCipher(randomBytes(32).toString('base64'));
    expect(() => other.decrypt(cipher.encrypt('482913'))).toThrow(CodeCipherError);
  });

  it('refuses a tampered token (any flipped byte: iv, tag or ciphertext)', () => {
    const raw = Buffer.from(cipher.encrypt('482913').slice(3), 'base64url');
    for (const i of [0, 11, 12, 27, 28, raw.length - 1]) {
      const copy = Buffer.from(raw);
      copy[i] ^= 0x01;
      expect(() => cipher.decrypt('v1.' + copy.toString('base64url'))).toThrow(CodeCipherError);
    }
  });

  it.each([
    ['no prefix', () => cipher.encrypt('1').slice(3)],
    ['unknown version', () => 'v2.' + cipher.encrypt('1').slice(3)],
    ['truncated', () => cipher.encrypt('1').slice(0, 20)],
    ['non-base64url body', () => 'v1.abc+/=='],
    ['empty body', () => 'v1.'],
  ])('refuses a malformed token: %s', (_label, make) => {
    expect(() => cipher.decrypt(make())).toThrow(CodeCipherError);
  });

  it('lookupHash is deterministic, keyed, and scoped', () => {
    const h = cipher.lookupHash('door-1', '482913');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(cipher.lookupHash('door-1', '482913')).toBe(h);
    expect(createCodeCipher(KEY_B64).lookupHash('door-1', '482913')).toBe(h);
    expect(cipher.lookupHash('door-2', '482913')).not.toBe(h);
    expect(cipher.lookupHash('door-1', '482914')).not.toBe(h);
    expect(createCodeCipher(randomBytes(32).toString('hex')).lookupHash('door-1', '482913')).not.toBe(h);
  });

  it('lookupHash keeps scope and code apart (no concatenation ambiguity)', () => {
    expect(cipher.lookupHash('door-1', '23456')).not.toBe(cipher.lookupHash('door-12', '3456'));
  });

  it('lookupHash is not a plain HMAC with the master key (the lookup key is derived)', async () => {
    const { createHmac } = await import('node:crypto');
    const naive = createHmac('sha256', KEY_BYTES).update('door-1').update('482913').digest('hex');
    expect(cipher.lookupHash('door-1', '482913')).not.toBe(naive);
  });
});

describe('device keys', () => {
  it('generates distinct 32-byte base64url keys', () => {
    const a = generateDeviceKey();
    const b = generateDeviceKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('hashSecret is SHA-256 hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('verifySecret accepts the right key and rejects others', () => {
    const key = generateDeviceKey();
    const stored = hashSecret(key);
    expect(verifySecret(key, stored)).toBe(true);
    expect(verifySecret(key, stored.toUpperCase())).toBe(true);
    expect(verifySecret(generateDeviceKey(), stored)).toBe(false);
    expect(verifySecret(key, stored.slice(1))).toBe(false);
    expect(verifySecret(key, '')).toBe(false);
    expect(verifySecret('', stored)).toBe(false);
  });
});

describe('passwords (scrypt)', () => {
  it('hashes in the documented format and verifies', async () => {
    const stored = await hashPassword('hubkey-demo');
    // OWASP's parameters: N=2^17, r=8, p=1.
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(needsRehash(stored)).toBe(false);
    await expect(verifyPassword('hubkey-demo', stored)).resolves.toBe(true);
    await expect(verifyPassword('hubkey-demO', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently twice, and both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('pw'), hashPassword('pw')]);
    expect(a).not.toBe(b);
    await expect(verifyPassword('pw', a)).resolves.toBe(true);
    await expect(verifyPassword('pw', b)).resolves.toBe(true);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hashPassword('caf\u00e9');
    await expect(verifyPassword('cafe\u0301', stored)).resolves.toBe(true);
  });

  it('verifies a hash made with other (recorded) parameters', async () => {
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 7);
    const hash = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
    await expect(verifyPassword('pw', stored)).resolves.toBe(true);
    await expect(verifyPassword('px', stored)).resolves.toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  it.each([
    ['the old N=2^14', 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43), true],
    ['another r', 'scrypt$131072$16$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43), true],
    ['another p', 'scrypt$131072$8$2$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43), true],
    ['a longer key', 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(86), true],
    ['not scrypt', '$2b$10$abcdefghijklmnopqrstuu5F6x1Q5Wc2c9c5dQx3b7Ew8u1aX1V7W', true],
    ["today's parameters", 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43), false],
  ])('needsRehash: %s → %s', (_label, stored, want) => expect(needsRehash(stored)).toBe(want));

  it.each([
    ['empty', ''],
    ['bcrypt', '$2b$10$abcdefghijklmnopqrstuu5F6x1Q5Wc2c9c5dQx3b7Ew8u1aX1V7W'],
    ['too few parts', 'scrypt$16384$8$1$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43)],
    ['N too large', 'scrypt$2097152$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43)],
    ['memory too large (N=2^20, r=32)', 'scrypt$1048576$32$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43)],
    ['bad salt', 'scrypt$16384$8$1$!!$' + 'A'.repeat(43)],
    ['short hash', 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'],
  ])('rejects a malformed stored value (%s) without throwing', async (_label, stored) => {
    await expect(verifyPassword('pw', stored)).resolves.toBe(false);
  });
});

describe('secureRandomInt', () => {
  it('returns integers in [0, n)', () => {
    for (let i = 0; i < 200; i++) {
      const x = secureRandomInt(10);
      expect(Number.isInteger(x) && x >= 0 && x < 10).toBe(true);
    }
  });
});
