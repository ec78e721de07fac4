import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { accountPages } from './account.pages';
import { bookPages } from './book.pages';
import { bookingPages } from './booking.pages';
import { findPages } from './find.pages';
import { groupPages } from './groups.pages';
import { myDataPages } from './mydata.pages';
import { privacyPages } from './privacy.pages';
import { roomPages } from './room.pages';

/** The hirer's journey: find a room, see its week and price, book, pay, get in; and their account. */
export async function hirerPages(app: FastifyInstance, { container }: { container: Container }) {
  await app.register(accountPages, { container });
  await app.register(findPages, { container });
  await app.register(roomPages, { container });
  await app.register(bookPages, { container });
  await app.register(bookingPages, { container });
  await app.register(privacyPages, { container });
  await app.register(myDataPages, { container });
  await app.register(groupPages, { container });
}
