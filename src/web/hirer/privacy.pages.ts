import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';

const PAGE = { schema: { hide: true } };

/** /privacy: the network's privacy notice (PRIVACY_NOTICE), linked from every page's footer and from registration. */
export async function privacyPages(app: FastifyInstance, { container }: { container: Container }) {
  const { privacy } = container.services;
  app.get('/privacy', PAGE, async (_request, reply) => reply.view('hirer/views/privacy.njk', { title: 'Privacy', notice: privacy.notice() }));
}
