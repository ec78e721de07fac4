import { backupFileName, backupsToPrune, controlSocketPath, humanBytes, parseBackupFileName } from '../../src/modules/backups/backups.fns';
import { loadOrder } from '../../src/modules/backups/backups.sql';

describe('backup file names', () => {
  it.each([
    ['2026-11-29T02:30:00.000Z', 'embedded', 'hubkey-2026-11-29T02-30-00Z.ndjson.gz'],
    ['2026-11-29T02:30:00.999Z', 'postgres', 'hubkey-2026-11-29T02-30-00Z.pgdump'],
    ['2027-01-01T00:00:00.000Z', 'embedded', 'hubkey-2027-01-01T00-00-00Z.ndjson.gz'],
  ] as const)('%s (%s) is %s, and reads back', (at, kind, name) => {
    expect(backupFileName(new Date(at), kind)).toBe(name);
    expect(parseBackupFileName(name)).toEqual({ at: new Date(at.replace(/\.\d{3}Z$/, '.000Z')), kind });
  });

  it.each(['notes.txt', 'hubkey-2026-11-29.ndjson.gz', 'hubkey-2026-11-29T02-30-00Z.ndjson.gz.partial', 'hubkey-2026-13-45T02-30-00Z.pgdump', 'xhubkey-2026-11-29T02-30-00Z.pgdump'])(
    'ignores %s',
    (name) => {
      expect(parseBackupFileName(name)).toBeUndefined();
    },
  );
});

describe('backupsToPrune', () => {
  const names = ['hubkey-2026-11-27T02-30-00Z.ndjson.gz', 'hubkey-2026-11-29T02-30-00Z.ndjson.gz', 'notes.txt', 'hubkey-2026-11-28T02-30-00Z.pgdump', 'hubkey-2026-11-28T02-30-00Z.ndjson.gz.partial'];

  it('keeps the newest, deletes older backups, never other files', () => {
    expect(backupsToPrune(names, 2).sort()).toEqual(['hubkey-2026-11-27T02-30-00Z.ndjson.gz']);
    expect(backupsToPrune(names, 1).sort()).toEqual(['hubkey-2026-11-27T02-30-00Z.ndjson.gz', 'hubkey-2026-11-28T02-30-00Z.pgdump']);
    expect(backupsToPrune(names, 3)).toEqual([]);
    expect(backupsToPrune([], 14)).toEqual([]);
  });
});

describe('loadOrder', () => {
  it('puts every table after the tables it references, ignoring self-references', () => {
    const order = loadOrder(['bookings', 'hubs', 'rooms', 'access_codes', 'users'], [
      { child: 'rooms', parent: 'hubs' },
      { child: 'bookings', parent: 'rooms' },
      { child: 'bookings', parent: 'users' },
      { child: 'access_codes', parent: 'bookings' },
      { child: 'users', parent: 'users' },
    ]);
    expect(order.indexOf('hubs')).toBeLessThan(order.indexOf('rooms'));
    expect([...order].sort()).toEqual(['access_codes', 'bookings', 'hubs', 'rooms', 'users']);
    const again = loadOrder(['bookings', 'hubs', 'rooms', 'access_codes', 'users'], [
      { child: 'rooms', parent: 'hubs' },
      { child: 'bookings', parent: 'rooms' },
      { child: 'bookings', parent: 'users' },
      { child: 'access_codes', parent: 'bookings' },
    ]);
    expect(again.indexOf('hubs')).toBeLessThan(again.indexOf('rooms'));
    expect(again.indexOf('rooms')).toBeLessThan(again.indexOf('bookings'));
    expect(again.indexOf('users')).toBeLessThan(again.indexOf('bookings'));
    expect(again.indexOf('bookings')).toBeLessThan(again.indexOf('access_codes'));
  });

  it('ignores references to tables outside the list, and names a cycle', () => {
    expect(loadOrder(['a'], [{ child: 'a', parent: 'elsewhere' }])).toEqual(['a']);
    expect(() => loadOrder(['a', 'b', 'c'], [{ child: 'a', parent: 'b' }, { child: 'b', parent: 'a' }])).toThrow(/cycle among: a, b/);
  });
});

describe('controlSocketPath', () => {
  it('lies in DATA_DIR, or in the temporary directory when that path is too long for a socket', () => {
    expect(controlSocketPath('/var/lib/hubkey/data')).toBe('/var/lib/hubkey/data/hubkey.sock');
    const long = '/srv/' + 'x'.repeat(120);
    const p = controlSocketPath(long);
    expect(p).toMatch(/hubkey-[0-9a-f]{16}\.sock$/);
    expect(Buffer.byteLength(p)).toBeLessThanOrEqual(100);
    expect(controlSocketPath(long)).toBe(p);
    expect(controlSocketPath(long + 'y')).not.toBe(p);
  });
});

describe('humanBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [5 * 1024 ** 2, '5.0 MB'],
    [3 * 1024 ** 3, '3.00 GB'],
  ])('%d is %s', (n, s) => expect(humanBytes(n)).toBe(s));
});
