import { makeUser } from '../../helpers/factories';
import { twoAppsOnOneDatabase } from '../../helpers/app';
import { startProcess } from '../../helpers/processes';
import { listAdmins } from '../../../src/modules/auth/admins';

/** Two processes on one PostgreSQL database: the network keeps an admin under real concurrency, and `npm run admin` as an operator runs it. */
const apps = twoAppsOnOneDatabase('2026-03-02T09:00:00Z');

it('two admins erasing themselves at once: one is erased, the other refused last_admin', async () => {
  const ada = await makeUser(apps.a, { isAdmin: true, name: 'Ada' });
  const bo = await makeUser(apps.a, { isAdmin: true, name: 'Bo' });
  const [x, y] = await Promise.all([apps.a.http.delete('/me').set(ada.auth), apps.b.http.delete('/me').set(bo.auth)]);
  expect([x.status, y.status].sort()).toEqual([200, 409]);
  expect([x, y].find((r) => r.status === 409)!.body.code).toBe('last_admin');
  expect(await listAdmins(apps.a.container.database.db)).toHaveLength(1);
});

it('npm run admin: grant, list and revoke through the script, and its refusals exit non-zero', async () => {
  const cy = await makeUser(apps.a, { name: 'Cy' });
  const env = {
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ACCESS_CODE_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    DATABASE_URL: apps.a.container.database.url!,
  };
  const run = async (...args: string[]) => {
    const p = startProcess('admin', 'scripts/admin.ts', env, { args });
    return { code: await p.exited, out: p.output() };
  };
  expect(await run('grant', cy.email)).toMatchObject({ code: 0, out: expect.stringContaining(`${cy.email} (Cy) is now a network admin.`) });
  expect((await run('list')).out).toContain(`${cy.email} (Cy)`);
  expect(await run('grant', 'nobody@example.org')).toMatchObject({ code: 1, out: expect.stringContaining('Nobody with the email address nobody@example.org') });
  expect(await run('revoke', cy.email)).toMatchObject({ code: 0, out: expect.stringContaining('is no longer a network admin') });
  expect(await run('frobnicate')).toMatchObject({ code: 2, out: expect.stringContaining('Usage: npm run admin') });
});
