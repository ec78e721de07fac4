import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { PASSWORD_MIN, passwordProblem } from '../../modules/auth/password-policy';
import { type FieldErrors, errorList, flash, isEmail, safeNext, signedIn, text, toE164 } from '../forms';
import { TIER_NAMES } from '../format';

const PAGE = { schema: { hide: true } };
const TIERS = ['community', 'national_charity', 'statutory', 'private'] as const;
type Tier = (typeof TIERS)[number];
const TIER_HINTS: Record<Tier, string> = {
  community: 'A local group, club or small charity with little or no income. Pays the lowest rate once staff have checked it.',
  national_charity: 'A charity that works across the country.',
  statutory: 'A council, NHS service, school or other public body.',
  private: 'A business, or anyone hiring for profit.',
};
const tierItems = (checked: string | undefined) => TIERS.map((t) => ({ value: t, text: TIER_NAMES[t], hint: { text: TIER_HINTS[t] }, checked: t === checked }));

/** Register, sign in and out, the account page and adding an organisation (claiming a tier). */
export async function accountPages(app: FastifyInstance, { container }: { container: Container }) {
  const { auth, organisations, privacy } = container.services;
  const limited = { ...PAGE, config: { rateLimit: { max: container.config.loginRateLimit, timeWindow: '1 minute' } } };

  app.get<{ Querystring: { next?: string } }>('/sign-in', PAGE, async (request, reply) =>
    reply.view('hirer/views/sign-in.njk', { title: 'Sign in', next: safeNext(request.query.next, ''), values: {} }),
  );

  app.post<{ Body: Record<string, unknown> }>('/sign-in', limited, async (request, reply) => {
    const email = text(request.body, 'email');
    const password = text(request.body, 'password');
    const next = safeNext(text(request.body, 'next'), '/');
    const errors: FieldErrors = {};
    if (!email) errors.email = 'Enter your email address';
    if (!password) errors.password = 'Enter your password';
    if (!Object.keys(errors).length) {
      try {
        const { user } = await auth.login({ email, password });
        request.session.signIn(user.id);
        return reply.redirect(next, 303);
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'invalid_credentials')) throw err;
        errors.email = 'The email address or password is not right. Check them and try again';
      }
    }
    return reply.status(400).view('hirer/views/sign-in.njk', { title: 'Sign in', next, values: { email }, errors: errorList(errors), fieldErrors: errors });
  });

  app.get<{ Querystring: { next?: string } }>('/register', PAGE, async (request, reply) =>
    reply.view('hirer/views/register.njk', { title: 'Create an account', next: safeNext(request.query.next, ''), values: {}, passwordMin: PASSWORD_MIN, privacyNotice: privacy.notice() }),
  );

  app.post<{ Body: Record<string, unknown> }>('/register', limited, async (request, reply) => {
    const values = { name: text(request.body, 'name'), email: text(request.body, 'email'), phone: text(request.body, 'phone') };
    const password = text(request.body, 'password');
    const next = safeNext(text(request.body, 'next'), '/account');
    const errors: FieldErrors = {};
    if (!values.name) errors.name = 'Enter your name';
    else if (values.name.length > 120) errors.name = 'Your name must be 120 characters or fewer';
    if (!values.email) errors.email = 'Enter your email address';
    else if (!isEmail(values.email)) errors.email = 'Enter an email address in the right format, like name@example.org';
    const phone = values.phone ? toE164(values.phone) : undefined;
    if (values.phone && !phone) errors.phone = 'Enter a phone number, like 07700 900123 or +44 7700 900123';
    // The API's own rules (password-policy.ts), so the page asks for what registering accepts and
    // a refused password (too short, common, the person's own name) is said on the page, not a 500.
    const problem = password ? passwordProblem(password, { email: values.email, name: values.name }) : undefined;
    if (!password) errors.password = 'Enter a password';
    else if (problem) errors.password = problem;
    if (!Object.keys(errors).length) {
      try {
        const { user } = await auth.register({ email: values.email, password, name: values.name, phone });
        request.session.signIn(user.id);
        flash(request, 'Your account is ready', 'Next, add the group you book for.');
        return reply.redirect(next === '/account' ? '/account' : next, 303);
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'email_taken')) throw err;
        errors.email = 'There is already an account with this email address. Sign in instead';
      }
    }
    return reply.status(400).view('hirer/views/register.njk', { title: 'Create an account', next, values, errors: errorList(errors), fieldErrors: errors, passwordMin: PASSWORD_MIN, privacyNotice: privacy.notice() });
  });

  app.post('/sign-out', PAGE, async (request, reply) => {
    request.session.signOut();
    return reply.redirect('/', 303);
  });

  app.get('/account', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const me = await auth.me(actor.userId);
    return reply.view('hirer/views/account.njk', { title: 'Your account', me });
  });

  app.get<{ Querystring: { next?: string } }>('/account/organisations/new', PAGE, async (request, reply) => {
    if (!signedIn(request, reply)) return reply;
    return reply.view('hirer/views/organisation-new.njk', { title: 'Add your group', next: safeNext(request.query.next, ''), values: {}, tierItems: tierItems(undefined) });
  });

  app.post<{ Body: Record<string, unknown> }>('/account/organisations/new', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const values = {
      name: text(request.body, 'name'),
      claimedTier: text(request.body, 'claimedTier'),
      charityNumber: text(request.body, 'charityNumber'),
      contactPhone: text(request.body, 'contactPhone'),
    };
    const next = safeNext(text(request.body, 'next'), '/account');
    const errors: FieldErrors = {};
    if (!values.name) errors.name = 'Enter the name of your group';
    else if (values.name.length > 200) errors.name = 'The name must be 200 characters or fewer';
    if (!(TIERS as readonly string[]).includes(values.claimedTier)) errors.claimedTier = 'Select what kind of group it is';
    if (values.charityNumber.length > 40) errors.charityNumber = 'The charity or company number must be 40 characters or fewer';
    const contactPhone = toE164(values.contactPhone);
    if (!values.contactPhone) errors.contactPhone = 'Enter a phone number for your group';
    else if (!contactPhone) errors.contactPhone = 'Enter a phone number, like 07700 900123 or +44 7700 900123';
    if (Object.keys(errors).length) {
      return reply
        .status(400)
        .view('hirer/views/organisation-new.njk', { title: 'Add your group', next, values, tierItems: tierItems(values.claimedTier), errors: errorList(errors, { claimedTier: 'claimedTier' }), fieldErrors: errors });
    }
    const org = await organisations.create(actor, {
      name: values.name,
      claimedTier: values.claimedTier as Tier,
      charityNumber: values.charityNumber || undefined,
      contactPhone: contactPhone!,
    });
    flash(
      request,
      `${org.name} is added`,
      values.claimedTier === 'community'
        ? 'Staff will check that your group qualifies for the community rate. Until they do, you can book, and your bookings wait for their approval.'
        : undefined,
    );
    return reply.redirect(next, 303);
  });
}
