import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { accountPages } from './account.pages';

/** The hirer's journey: find a room, see its week and price, book, pay, get in; and their account. */
export async function hirerPages(app: FastifyInstance, { container }: { container: Container }) {
  await app.register(accountPages, { container });
}
