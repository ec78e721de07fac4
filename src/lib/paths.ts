import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package root, found from this file whether it runs from src/ or a compiled dist/. */
export function packageRoot(start: string = __dirname): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + start);
    dir = up;
  }
  return dir;
}

export const migrationsFolder = () => join(packageRoot(), 'migrations');
