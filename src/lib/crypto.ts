/**
 * Secrets at rest: door codes (encrypted, plus a keyed hash to find them), door-controller device
 * keys (hashed) and passwords (scrypt). Keys are passed in; nothing here reads the environment.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  randomInt,
  scrypt as scryptCb,
  timingSafeEqual,
  type BinaryLike,
  type ScryptOptions,
} from 'node:crypto';

/** A uniformly random integer in [0, n) from the OS CSPRNG; the `random` to give generateCode. */
export const secureRandomInt = (n: number): number => randomInt(n);

// ---------------------------------------------------------------------------------------------
// Door codes

/** Thrown when a key is malformed or a token fails to decrypt (tampered, truncated, wrong key). */
export class CodeCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodeCipherError';
  }
}

export interface CodeCipher {
  /** AES-256-GCM with a fresh 96-bit IV: `v1.` + base64url(iv | tag | ciphertext). */
  encrypt(plain: string): string;
  /** The inverse of encrypt; throws CodeCipherError on anything that does not authenticate. */
  decrypt(token: string): string;
  /** HMAC-SHA256 (hex) of the code within a scope (e.g. a door id): equal codes on two doors differ. */
  lookupHash(scope: string, plain: string): string;
}

const TOKEN_PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('hubkey:access-code:v1');

/**
 * Parses a 32-byte key given as 64 hex digits or as base64 / base64url (43 or 44 characters).
 * Hex is tried first: a 64-character hex string would also decode as (48-byte) base64.
 */
export function parseKey32(keyBase64OrHex: string): Buffer {
  const s = keyBase64OrHex.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32) {
    throw new CodeCipherError('ACCESS_CODE_KEY must be 32 bytes, given as 64 hex digits or base64');
  }
  return key;
}

/**
 * The cipher for door codes. Two subkeys are derived from the one key with HKDF-SHA256 (distinct
 * `info` labels), so the encryption key and the lookup-hash key are independent of each other.
 */
export function createCodeCipher(keyBase64OrHex: string): CodeCipher {
  const master = parseKey32(keyBase64OrHex);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  const encKey = derive('hubkey/access-code/encrypt/v1');
  const macKey = derive('hubkey/access-code/lookup/v1');

  return {
    encrypt(plain: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(AAD);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return TOKEN_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
    },

    decrypt(token: string): string {
      if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) {
        throw new CodeCipherError('Unknown access-code token version');
      }
      const body = token.slice(TOKEN_PREFIX.length);
      if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new CodeCipherError('Malformed access-code token');
      const raw = Buffer.from(body, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new CodeCipherError('Truncated access-code token');
      const iv = raw.subarray(0, IV_BYTES);
      const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const ct = raw.subarray(IV_BYTES + TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(AAD);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        throw new CodeCipherError('Access-code token failed to authenticate');
      }
    },

    lookupHash(scope: string, plain: string): string {
      // Length-prefixing the scope keeps (scope, code) pairs unambiguous whatever they contain.
      return createHmac('sha256', macKey)
        .update(`${Buffer.byteLength(scope, 'utf8')}:${scope}`, 'utf8')
        .update(plain, 'utf8')
        .digest('hex');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Door-controller device keys

/** A new device key: 32 random bytes, base64url (43 characters). Shown once; store hashSecret(key). */
export function generateDeviceKey(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a high-entropy secret (device keys, calendar tokens). Not for passwords. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `storedHashHex`, compared in constant time. */
export function verifySecret(secret: string, storedHashHex: string): boolean {
  if (typeof secret !== 'string' || typeof storedHashHex !== 'string' || !/^[0-9a-f]{64}$/i.test(storedHashHex)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHashHex, 'hex'));
}

// ---------------------------------------------------------------------------------------------
// Passwords

/** OWASP's Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (128 MiB per hash). */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;
/** Node refuses a hash needing more than maxmem (128·N·r bytes plus a little); allow twice that. */
const maxmemFor = (N: number, r: number) => 256 * N * r;

function scrypt(password: BinaryLike, salt: BinaryLike, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, saltBytes, keyBytes } = SCRYPT;
  const salt = randomBytes(saltBytes);
  const hash = await scrypt(password.normalize('NFC'), salt, keyBytes, { N, r, p, maxmem: maxmemFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * Whether `password` matches a hash made by hashPassword (with whatever parameters it records).
 * A malformed or out-of-bounds stored value is a non-match, never an exception or a costly hash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof stored !== 'string') return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,8}$/.test(x) ? Number(x) : NaN));
  const b64 = /^[A-Za-z0-9_-]+$/;
  if (!b64.test(parts[4]) || !b64.test(parts[5])) return false;
  // Bounds keep a tampered row from making one login burn seconds of CPU or gigabytes of memory.
  if (!(N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 2 ** 28)) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || expected.length < 16 || expected.length > 128) return false;
  const actual = await scrypt(password.normalize('NFC'), salt, expected.length, { N, r, p, maxmem: maxmemFor(N, r) });
  return timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made with other parameters than today's: re-hash it at the next sign-in. */
export function needsRehash(stored: string): boolean {
  const parts = typeof stored === 'string' ? stored.split('$') : [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') return true;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  return N !== SCRYPT.N || r !== SCRYPT.r || p !== SCRYPT.p || Buffer.from(parts[5], 'base64url').length !== SCRYPT.keyBytes;
}
