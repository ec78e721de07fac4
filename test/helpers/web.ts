import type { TestApp } from './app';
import { PASSWORD } from './factories';

/** What a browser sends when it asks for a page. */
export const HTML = { accept: 'text/html,application/xhtml+xml' };
/** The CSRF token a page's form carries. */
export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
/** The cookies an answer sets, as a Cookie header. */
export const cookieOf = (res: { headers: Record<string, unknown> }) => ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');

/** Signs in through the sign-in form as a browser does: the answer, and the session cookie it set. */
export async function webSignIn(t: TestApp, email: string, password = PASSWORD) {
  const form = await t.http.get('/sign-in').set(HTML);
  const res = await t.http.post('/sign-in').set(HTML).set('cookie', cookieOf(form)).type('form').send({ email, password, _csrf: csrfOf(form.text) });
  return { res, cookie: cookieOf(res) };
}

/** Signs in through the form (which must answer 303) and answers the session cookie. */
export async function signedInCookie(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const { res, cookie } = await webSignIn(t, email, password);
  expect(res.status).toBe(303);
  return cookie;
}
