import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { exportZip } from '../../modules/privacy/privacy.fns';
import { type FieldErrors, errorList, signedIn, text } from '../forms';

const PAGE = { schema: { hide: true } };

interface Blocking {
  id: string;
  name: string;
  bookingsAhead: number;
}

/**
 * "Your data" and "Delete your account": the person's rights to see and erase their data, for
 * anyone signed in (hirer, volunteer, staff). The pages call the privacy service the API's
 * GET /me/data and DELETE /me call, and ask for what it asks for: no more than a confirmation.
 */
export async function myDataPages(app: FastifyInstance, { container }: { container: Container }) {
  const { privacy } = container.services;
  const { clock } = container;

  app.get('/account/data', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const overview = await privacy.myDataOverview(actor);
    return reply.view('hirer/views/your-data.njk', { title: 'Your data', backLink: '/account', overview, notice: privacy.notice() });
  });

  // The downloads: the same export as GET /me/data, never cached, named by the day it was made.
  app.get('/account/data.zip', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const data = await privacy.myData(actor);
    const zip = exportZip(data.sections, privacy.readme, clock.now());
    return reply
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="hubkey-my-data-${data.generatedAt.slice(0, 10)}.zip"`)
      .type('application/zip')
      .send(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
  });

  app.get('/account/data.json', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const data = await privacy.myData(actor);
    return reply
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="hubkey-my-data-${data.generatedAt.slice(0, 10)}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  /** The service's refusals (hand_over_first, last_admin) as a page that says what to do. */
  const refused = (reply: FastifyReply, why: { organisations: Blocking[]; lastAdmin: boolean }, status: number) =>
    reply.status(status).view('hirer/views/delete-refused.njk', { title: 'You cannot delete your account yet', backLink: '/account/data', ...why });
  const refusal = (p: { blocking: Blocking[]; lastAdmin: boolean }) => (p.blocking.length || p.lastAdmin ? { organisations: p.blocking, lastAdmin: p.lastAdmin } : undefined);

  app.get('/account/delete', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const preview = await privacy.erasurePreview(actor);
    const why = refusal(preview);
    if (why) return refused(reply, why, 200);
    return reply.view('hirer/views/delete-account.njk', { title: 'Delete your account', backLink: '/account/data', preview });
  });

  app.post<{ Body: Record<string, unknown> }>('/account/delete', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    if (text(request.body, 'confirm') !== 'yes') {
      const preview = await privacy.erasurePreview(actor);
      const why = refusal(preview);
      if (why) return refused(reply, why, 409);
      const errors: FieldErrors = { confirm: 'Confirm that you want to delete your account' };
      return reply.status(400).view('hirer/views/delete-account.njk', { title: 'Delete your account', backLink: '/account/data', preview, errors: errorList(errors), fieldErrors: errors });
    }
    try {
      const done = await privacy.eraseMe(actor);
      // The erasure deleted every session of the person; this browser leaves with only what the next page says.
      request.session.signOutKeeping({ erased: { erasedAt: done.erasedAt, removed: done.removed.filter((r) => r.count > 0), kept: done.kept } });
      return reply.redirect('/account/deleted', 303);
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'hand_over_first' || err.code === 'last_admin')) {
        return refused(reply, { organisations: (err.extra.organisations as Blocking[] | undefined) ?? [], lastAdmin: err.code === 'last_admin' }, 409);
      }
      throw err;
    }
  });

  app.get('/account/deleted', PAGE, async (request, reply) => {
    const erased = request.session.get('erased');
    if (!erased || request.actor) return reply.redirect(request.actor ? '/account' : '/', 303);
    return reply.view('hirer/views/account-deleted.njk', { title: 'Your account has been deleted', erased });
  });
}
