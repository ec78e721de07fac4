import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import type { MessageStatus } from '../../modules/notifications/messages.service';
import { formatWhen } from '../format';
import { staffOf } from './context';
import { STAFF_PAGE, pageCursor } from './page';
import { MESSAGE_STATUS, messageKind } from './words';

const STATUSES: MessageStatus[] = ['queued', 'sent', 'failed'];
const SHOWN = 100;

/**
 * The hub's texts, newest first (sent, waiting to send, failed), with door codes and invitation
 * links masked as the messages service gives them (GET /hubs/:hubId/messages), filtered by status;
 * a failed or undelivered text shows the provider's reason.
 */
export async function messagesPages(app: FastifyInstance, { container }: { container: Container }) {
  const { messages } = container.services;
  const { clock } = container;

  app.get<{ Querystring: { status?: string; cursor?: string } }>('/staff/messages', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const asked = request.query.status ?? '';
    const status = STATUSES.includes(asked as MessageStatus) ? (asked as MessageStatus) : undefined;
    const paging = pageCursor('/staff/messages', request.query);
    const badFilter = asked !== '' && asked !== 'all' && !status;
    const error = badFilter ? 'Choose which texts to show from the list' : paging.bad ? 'That link to older texts has expired: choose which texts to show' : undefined;
    const now = clock.now();
    const at = (iso: string) => formatWhen(iso, iso, hub.timezone, { now }).replace(/ to .*$/, '');
    const list = await messages.listMessages(actor, hub.id, { status, limit: SHOWN, after: paging.after && [paging.after.at, paging.after.id] });
    return reply.status(error ? 400 : 200).view('staff/views/messages.njk', {
      title: status ? `Messages: ${MESSAGE_STATUS[status].text.toLowerCase()}` : 'Messages',
      navKey: 'messages',
      items: list.items.map((m) => ({
        ...m,
        what: messageKind(m.kind),
        when: at(m.queuedAt),
        sent: m.sentAt ? at(m.sentAt) : null,
        waitsUntil: m.sendAfter ? at(m.sendAfter) : null,
        tag: MESSAGE_STATUS[m.providerStatus === 'undelivered' || m.providerStatus === 'delivered' ? m.providerStatus : m.status],
      })),
      olderHref: list.next ? paging.pageAfter(list.next) : undefined,
      newestHref: paging.later ? paging.firstPage : undefined,
      status: status ?? 'all',
      statusItems: [
        { value: 'all', text: 'All texts', selected: !status },
        ...STATUSES.map((s) => ({ value: s, text: `Only: ${MESSAGE_STATUS[s].text.toLowerCase()}`, selected: s === status })),
      ],
      errors: error ? [{ text: error, href: '#status' }] : undefined,
      statusError: error,
    });
  });
}
