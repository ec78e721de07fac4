import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoSecrets {
  jwtSecret: string;
  accessCodeKey: string;
}

export const DEMO_SECRETS_FILE = 'hubkey-secrets.json';

/**
 * The local demo's secrets: random on first start, then kept in DATA_DIR (readable by its owner
 * only) so tokens and door codes survive a restart. Never derived from anything guessable.
 */
export function demoSecretsIn(dataDir: string): DemoSecrets {
  const file = join(dataDir, DEMO_SECRETS_FILE);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoSecrets>;
    if (typeof kept.jwtSecret === 'string' && kept.jwtSecret.length >= 32 && typeof kept.accessCodeKey === 'string' && /^[0-9a-f]{64}$/.test(kept.accessCodeKey)) {
      return { jwtSecret: kept.jwtSecret, accessCodeKey: kept.accessCodeKey };
    }
  }
  const fresh: DemoSecrets = { jwtSecret: randomBytes(32).toString('hex'), accessCodeKey: randomBytes(32).toString('hex') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return fresh;
}
