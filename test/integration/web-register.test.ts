import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, csrfOf, cookieOf } from '../helpers/web';
import { makeUser } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function register(fields: Record<string, string>) {
  const form = await t.http.get('/register').set(HTML);
  return t.http.post('/register').set(HTML).set('cookie', cookieOf(form)).type('form').send({ ...fields, _csrf: csrfOf(form.text) });
}
const accountsFor = async (email: string) => (await t.container.database.db.select({ id: users.id }).from(users).where(eq(users.email, email))).length;
/** The error summary's messages, in order. */
const summary = (html: string) => [...(/govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '').matchAll(/<a href="#(\w+)">([^<]+)<\/a>/g)].map((m) => `${m[1]}: ${m[2]}`);

describe('the register page asks for what registering accepts', () => {
  it('tells the person the same minimum length as the API', async () => {
    const page = await t.http.get('/register').set(HTML);
    expect(page.status).toBe(200);
    expect(page.text).toContain('At least 8 characters.');
  });

  it('a password the rules refuse is said on the page (400), never a 500, and no account is made', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['too short', { password: 'abc1234' }, 'password: Use at least 8 characters'],
      ['commonly used', { password: '1234567890' }, 'password: That password is one of the most commonly used; choose another'],
      ['commonly used, any case', { password: 'PASSWORD123' }, 'password: That password is one of the most commonly used; choose another'],
      ['one character repeated', { password: 'zzzzzzzzzz' }, 'password: A password cannot repeat one character'],
      ['only spaces (the form trims them)', { password: '          ' }, 'password: Enter a password'],
      ['the person’s own name', { name: 'Marigold Featherstone', password: 'marigold featherstone' }, 'password: Do not use your name, email or the name of this service as your password'],
      ['the service’s name', { password: 'hubkey123' }, 'password: Do not use your name, email or the name of this service as your password'],
      ['missing', { password: '' }, 'password: Enter a password'],
      ['too long', { password: 'x'.repeat(150) + 'y'.repeat(51) }, 'password: Use at most 200 characters'],
    ];
    for (const [why, fields, message] of cases) {
      const email = `reg-${why.replace(/\W+/g, '-')}@test.example`;
      const res = await register({ name: 'Pat Example', email, ...fields });
      expect({ why, status: res.status }).toEqual({ why, status: 400 });
      expect({ why, errors: summary(res.text) }).toEqual({ why, errors: [message] });
      expect(res.text).toContain(`value="${email}"`); // what they typed is kept, apart from the password
      expect(await accountsFor(email)).toBe(0);
    }
  });

  it('a good password of 8 characters makes the account and signs the person in', async () => {
    const res = await register({ name: 'Pat Example', email: 'reg-ok@test.example', password: 'tulip-42' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await accountsFor('reg-ok@test.example')).toBe(1);
    const account = await t.http.get('/account').set(HTML).set('cookie', cookieOf(res));
    expect(account.status).toBe(200);
    expect(account.text).toContain('Pat Example');
  });

  it('an email that already has an account is said on the page, and no second account is made', async () => {
    const existing = await makeUser(t);
    const res = await register({ name: 'Pat Example', email: existing.email, password: 'a long enough passphrase' });
    expect(res.status).toBe(400);
    expect(summary(res.text)).toEqual(['email: There is already an account with this email address. Sign in instead']);
    expect(await accountsFor(existing.email)).toBe(1);
  });
});
