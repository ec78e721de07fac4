import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { volunteerHoursPages } from '../volunteer/hours.pages';
import { volunteerShiftPages } from '../volunteer/shifts.pages';
import { adminPages } from './admin.pages';
import { organisationPages } from './organisations.pages';
import { ratePages } from './rates.pages';
import { reportPages } from './reports.pages';
import { rotaPages } from './rota.pages';

/** The volunteers' pages and the staff's rota, reports, rate cards, organisations and admin pages. */
export async function volwebPages(app: FastifyInstance, { container }: { container: Container }) {
  await app.register(volunteerShiftPages, { container });
  await app.register(volunteerHoursPages, { container });
  await app.register(rotaPages, { container });
  await app.register(reportPages, { container });
  await app.register(ratePages, { container });
  await app.register(organisationPages, { container });
  await app.register(adminPages, { container });
}
