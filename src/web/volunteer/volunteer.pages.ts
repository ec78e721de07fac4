import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { volunteerHoursPages } from './hours.pages';
import { volunteerShiftPages } from './shifts.pages';

/** The volunteers' pages (/volunteer/...). The staff's rota, reports and the rest are in the staff area (staff.pages.ts). */
export async function volunteerPages(app: FastifyInstance, { container }: { container: Container }) {
  await app.register(volunteerShiftPages, { container });
  await app.register(volunteerHoursPages, { container });
}
