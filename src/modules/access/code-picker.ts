import type { DbOrTx } from '../../db/client';
import { type CodeCipher, secureRandomInt } from '../../lib/crypto';
import { codeLengthFor, generateCode, type DoorLockSpec } from './access.fns';
import type { AccessRepository, DoorRow } from './access.repository';

type PickDoor = Pick<DoorRow, 'id' | 'provider' | 'codeLengths'>;

const specsOf = (doorList: PickDoor[]): DoorLockSpec[] =>
  doorList.map((d) => ({
    provider: d.provider,
    constraint: d.codeLengths && d.codeLengths.length ? { lengths: d.codeLengths } : undefined,
  }));

/**
 * Live codes on doors, by door and lookup hash, with their windows: what a batch of picks must
 * not clash with. Built from liveHashesOnDoors (read under the doors' locks); each pick is added.
 */
export class TakenCodes {
  private readonly byKey = new Map<string, { from: number; until: number }[]>();
  add(doorId: string, codeHash: string, from: Date, until: Date) {
    const key = `${doorId}:${codeHash}`;
    const list = this.byKey.get(key);
    const w = { from: from.getTime(), until: until.getTime() };
    if (list) list.push(w);
    else this.byKey.set(key, [w]);
  }
  /** Whether a code with this hash is live on the door at some time in [from, until). */
  has(doorId: string, codeHash: string, from: Date, until: Date) {
    const list = this.byKey.get(`${doorId}:${codeHash}`);
    return list !== undefined && list.some((w) => w.from < until.getTime() && w.until > from.getTime());
  }
}

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
      const length = codeLengthFor(specsOf(doorList));
      const taken = await deps.access.takenHashes(
        doorList.map((d) => d.id),
        from,
        until,
        tx,
      );
      const code = generateCode(length, random, (c) => doorList.some((d) => taken.has(`${d.id}:${deps.cipher.lookupHash(d.id, c)}`)));
      return { code, length };
    },

    /**
     * The same for one code of a batch: against `taken` (the doors' live codes, read with the doors
     * locked, and the batch's picks so far), to which the pick is added with its lookup hashes.
     * Throws as pick does (no common length, no free code) without adding anything.
     */
    pickAgainst(doorList: PickDoor[], from: Date, until: Date, taken: TakenCodes) {
      const length = codeLengthFor(specsOf(doorList));
      const code = generateCode(length, random, (c) => doorList.some((d) => taken.has(d.id, deps.cipher.lookupHash(d.id, c), from, until)));
      const hashes = doorList.map((d) => ({ doorId: d.id, codeHash: deps.cipher.lookupHash(d.id, code) }));
      for (const h of hashes) taken.add(h.doorId, h.codeHash, from, until);
      return { code, length, hashes };
    },
  };
}
export type CodePicker = ReturnType<typeof createCodePicker>;
