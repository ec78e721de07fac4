import { strFromU8, unzipSync } from 'fflate';
import { ConfigError, DEFAULT_PRIVACY_NOTICE, loadConfig } from '../../src/config/env';
import { csvCell, exportRow, exportZip, fileNameOf, maskPhone, messageSummary, sectionCsv } from '../../src/modules/privacy/privacy.fns';

const SECRETS = { JWT_SECRET: 'x'.repeat(40), ACCESS_CODE_KEY: 'ab'.repeat(32), DATABASE_URL: 'postgres://u@h/db', NODE_ENV: 'test' };

describe('maskPhone', () => {
  it.each([
    ['+447700900123', '+44•••••••123'],
    ['+12025550123', '+12••••••123'],
    ['123456', '••••••'],
    ['12', '••'],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%s → %s', (phone, want) => expect(maskPhone(phone)).toBe(want));
});

describe('messageSummary', () => {
  it.each([
    ['access_code', 'Your code is ••••', '[access_code text of 17 characters, body cleared]'],
    ['reply', 'x', '[reply text of 1 character, body cleared]'],
    ['reminder', 'café 😀', '[reminder text of 6 characters, body cleared]'],
  ])('%s %s', (kind, body, want) => expect(messageSummary(kind, body)).toBe(want));
});

describe('export rows and CSV', () => {
  it('leaves out secret columns and zones times to the second', () => {
    const row = exportRow({ id: 'a', passwordHash: 'scrypt$...', at: new Date('2026-07-01T12:00:00.123Z'), tags: ['x'], n: 3 }, ['passwordHash'], 'Europe/London');
    expect(row).toEqual({ id: 'a', at: '2026-07-01T13:00:00+01:00', tags: ['x'], n: 3 });
  });

  it.each([
    [null, ''],
    [undefined, ''],
    [0, '0'],
    [false, 'false'],
    [{ a: 1 }, '{"a":1}'],
    [['a', 'b'], '["a","b"]'],
    ['text', 'text'],
  ])('cell %p → %p', (v, want) => expect(csvCell(v)).toBe(want));

  it('writes a header of every column seen, escapes formulas, and is empty for no rows', () => {
    const csv = sectionCsv([{ a: 1, b: '=SUM(A1)' }, { a: 2, c: 'x,y' }]);
    expect(csv.replace(/^\uFEFF/, '')).toBe('a,b,c\r\n1,\'=SUM(A1),\r\n2,,"x,y"\r\n');
    expect(sectionCsv([])).toBe('');
  });

  it.each([
    ['users', 'users.csv'],
    ['shiftSignups', 'shift_signups.csv'],
    ['doorEntries', 'door_entries.csv'],
  ])('file name of %s is %s', (name, want) => expect(fileNameOf(name)).toBe(want));

  it('zips a README and one CSV per section', () => {
    const files = unzipSync(exportZip({ users: [{ id: 'u1' }], outbox: [] }, 'hello', new Date('2026-03-02T09:00:00Z')));
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'outbox.csv', 'users.csv']);
    expect(strFromU8(files['README.txt'])).toBe('hello');
    expect(strFromU8(files['users.csv'])).toContain('u1');
  });
});

describe('privacy settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...SECRETS, ...env });
      return '';
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.join('\n');
      throw err;
    }
  };

  it('defaults to the plain notice and the documented retention periods', () => {
    const c = loadConfig(SECRETS);
    expect(c.privacy).toEqual({ notice: DEFAULT_PRIVACY_NOTICE, noticeUrl: undefined, contact: undefined, retention: { contactPhoneDays: 30, messageBodyDays: 90, entryLogDays: 90, lapsedInvitationDays: 30 } });
  });

  it('takes the network’s own notice, link, contact and periods', () => {
    const c = loadConfig({ ...SECRETS, PRIVACY_NOTICE: '  Our own notice about your data.  ', PRIVACY_NOTICE_URL: 'https://charity.example/privacy', PRIVACY_CONTACT: 'privacy@charity.example', RETENTION_ENTRY_LOG_DAYS: '30' });
    expect(c.privacy).toMatchObject({ notice: 'Our own notice about your data.', noticeUrl: 'https://charity.example/privacy', contact: 'privacy@charity.example', retention: { entryLogDays: 30 } });
  });

  it.each([
    [{ PRIVACY_NOTICE: 'too short' }, 'PRIVACY_NOTICE'],
    [{ PRIVACY_NOTICE: 'x'.repeat(10_001) }, 'PRIVACY_NOTICE'],
    [{ PRIVACY_NOTICE: `A notice with a bell \u0007 in it somewhere` }, 'PRIVACY_NOTICE'],
    [{ PRIVACY_NOTICE_URL: 'javascript:alert(1)' }, 'PRIVACY_NOTICE_URL'],
    [{ PRIVACY_NOTICE_URL: 'not a url' }, 'PRIVACY_NOTICE_URL'],
    [{ RETENTION_CONTACT_PHONE_DAYS: '0' }, 'RETENTION_CONTACT_PHONE_DAYS'],
    [{ RETENTION_MESSAGE_BODY_DAYS: '1.5' }, 'RETENTION_MESSAGE_BODY_DAYS'],
    [{ RETENTION_ENTRY_LOG_DAYS: 'ninety' }, 'RETENTION_ENTRY_LOG_DAYS'],
    [{ RETENTION_LAPSED_INVITATION_DAYS: '4000' }, 'RETENTION_LAPSED_INVITATION_DAYS'],
  ])('refuses %p, naming %s', (env, name) => expect(problems(env)).toContain(name));
});
