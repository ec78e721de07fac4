import type { PageArgs } from '../../db/keyset';
import { pageOf } from '../../db/keyset';
import { forbidden, notFound } from '../../lib/errors';
import { toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import type { VenuesRepository } from '../venues/venues.repository';
import type { OutboxRepository, OutboxRow } from './outbox.repository';
import { maskBody } from './texts';

export type MessageStatus = 'queued' | 'sent' | 'failed';

const statusOf = (row: OutboxRow): MessageStatus => (row.status === 'sent' ? 'sent' : row.status === 'failed' ? 'failed' : 'queued');

/** What staff see of a hub's texts (GET /hubs/:hubId/messages): codes and secrets masked, a failure with its reason. */
export function createMessagesService(deps: { outbox: Pick<OutboxRepository, 'listForHub'>; venues: Pick<VenuesRepository, 'getHub'> }) {
  return {
    async listMessages(actor: Actor, hubId: string, q: { status?: MessageStatus; kind?: string } & PageArgs) {
      const hub = await deps.venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may see its texts');
      const rows = await deps.outbox.listForHub(hub.id, { status: q.status, kind: q.kind }, { after: q.after, limit: q.limit + 1 });
      const { rows: kept, next } = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
      const at = (d: Date | null) => (d ? toZonedIso(d, hub.timezone) : null);
      return {
        items: kept.map((r) => ({
          id: r.id,
          kind: r.kind,
          to: r.to,
          body: maskBody(r.body),
          status: statusOf(r),
          bookingId: r.bookingId,
          attempts: r.attempts,
          queuedAt: at(r.createdAt)!,
          // A deferred text (past a texting limit) or a retry waits until then.
          sendAfter: statusOf(r) === 'queued' ? at(r.nextAttemptAt) : null,
          sentAt: at(r.sentAt),
          providerStatus: r.providerStatus,
          error: r.status === 'failed' || r.providerStatus === 'undelivered' || r.providerStatus === 'failed' || (r.status === 'pending' && r.lastError) ? r.lastError : null,
        })),
        next,
      };
    },
  };
}
export type MessagesService = ReturnType<typeof createMessagesService>;
