import type { DbOrTx } from '../../db/client';
import { type CodeCipher, secureRandomInt } from '../../lib/crypto';
import { codeLengthFor, generateCode, type DoorLockSpec } from './access.fns';
import type { AccessRepository, DoorRow } from './access.repository';

/** Picks fresh digits for a set of doors: the right length, weak-free, clashing with no active code there. */
export function createCodePicker(deps: {
  access: Pick<AccessRepository, 'takenHashes'>;
  cipher: Pick<CodeCipher, 'lookupHash'>;
  /** A uniform random integer in [0, n); defaults to the OS CSPRNG. */
  random?: (n: number) => number;
}) {
  const random = deps.random ?? secureRandomInt;
  return {
    /** Call with the doors locked (access.lockDoors) in `tx`, so two pickers never choose the same digits. */
    async pick(doorList: DoorRow[], from: Date, until: Date, tx: DbOrTx) {
      const specs: DoorLockSpec[] = doorList.map((d) => ({
        provider: d.provider,
        constraint: d.codeLengths && d.codeLengths.length ? { lengths: d.codeLengths } : undefined,
      }));
      const length = codeLengthFor(specs);
      const taken = await deps.access.takenHashes(
        doorList.map((d) => d.id),
        from,
        until,
        tx,
      );
      const code = generateCode(length, random, (c) => doorList.some((d) => taken.has(`${d.id}:${deps.cipher.lookupHash(d.id, c)}`)));
      return { code, length };
    },
  };
}
export type CodePicker = ReturnType<typeof createCodePicker>;
