import { FixedClock } from '../../../src/lib/clock';
import type { PaymentEvent } from '../../../src/adapters/payments/provider';
import { createCheckoutService } from '../../../src/modules/payments/checkout.service';
import { createHoldsService } from '../../../src/modules/payments/holds.service';
import { createPaymentEventsService } from '../../../src/modules/payments/payment-events.service';
import type { PaymentRow } from '../../../src/modules/payments/payments.repository';
import { booking, db, fakeProvider, payment } from './fakes';

const clock = new FixedClock('2026-03-02T09:00:00Z');

/** The bookings module's side, recorded: which bookings payments asked it to confirm or release. */
function bookingStatus(refuse: string[] = []) {
  const asked = { confirm: [] as string[], release: [] as string[] };
  return {
    asked,
    confirmPaid: async (ids: string[]) => {
      asked.confirm.push(...ids);
      return { confirmed: ids.filter((i) => !refuse.includes(i)), refused: refuse.map((id) => booking({ id, status: 'expired' })) };
    },
    releaseHold: async (ids: string[]) => {
      asked.release.push(...ids);
      return ids;
    },
  };
}

function eventsRepo(p: PaymentRow) {
  const seen = new Set<string>();
  return {
    p,
    recordEvent: async (id: string) => (seen.has(id) ? false : (seen.add(id), true)),
    paymentForUpdate: async (by: { sessionId?: string; id?: string }) => (by.sessionId === p.stripeCheckoutSessionId || by.id === p.id ? p : undefined),
    updatePayment: async (_id: string, v: Partial<PaymentRow>) => Object.assign(p, v),
    itemsOf: async () => [{ bookingId: 'b-1', amountPence: 8000, booking: booking() }],
    dropHolds: async () => undefined,
    refundBy: async () => undefined,
    updateRefund: async () => undefined,
  };
}

describe('payment events service', () => {
  const paid: PaymentEvent = { id: 'evt_1', type: 'checkout.session.completed', kind: 'checkout_paid', sessionId: 'cs_1', paymentId: null, paymentIntentId: 'pi_1' };

  it('a paid checkout asks the bookings module to confirm, once however often it is delivered', async () => {
    const repo = eventsRepo(payment({ method: 'card', status: 'open', stripeCheckoutSessionId: 'cs_1' }));
    const status = bookingStatus();
    const changed: string[] = [];
    const refunds = { record: jest.fn(async () => []), send: jest.fn(async () => []) };
    const svc = createPaymentEventsService({ db, payments: repo as never, bookingStatus: status, refunds, clock, bookingChanged: async (id) => void changed.push(id) });
    expect(await svc.handleEvent(paid)).toBe('processed');
    expect(await svc.handleEvent(paid)).toBe('duplicate');
    expect(status.asked.confirm).toEqual(['b-1']);
    expect(repo.p).toMatchObject({ status: 'paid', stripePaymentIntentId: 'pi_1' });
    expect(changed).toEqual(['b-1']);
  });

  it('a booking the bookings module cannot confirm is refunded in full, recorded in the same transaction', async () => {
    const repo = eventsRepo(payment({ method: 'card', status: 'open', stripeCheckoutSessionId: 'cs_1' }));
    const refunds = { record: jest.fn(async () => [{ id: 'ref-9' }] as never), send: jest.fn(async () => []) };
    const svc = createPaymentEventsService({ db, payments: repo as never, bookingStatus: bookingStatus(['b-1']), refunds, clock });
    await svc.handleEvent(paid);
    expect(refunds.record).toHaveBeenCalledWith([expect.objectContaining({ id: 'b-1' })], { byStaff: true, actorId: null, reason: 'paid_after_release' }, expect.anything());
    expect(refunds.send).toHaveBeenCalledWith(['ref-9']);
  });

  it('an expired checkout asks the bookings module to release its bookings', async () => {
    const repo = eventsRepo(payment({ method: 'card', status: 'open', stripeCheckoutSessionId: 'cs_1' }));
    const status = bookingStatus();
    const svc = createPaymentEventsService({ db, payments: repo as never, bookingStatus: status, refunds: { record: async () => [], send: async () => [] }, clock });
    expect(await svc.handleEvent({ id: 'evt_2', type: 'checkout.session.expired', kind: 'checkout_lapsed', sessionId: 'cs_1', outcome: 'expired' })).toBe('processed');
    expect(status.asked.release).toEqual(['b-1']);
    expect(repo.p.status).toBe('expired');
  });
});

describe('holds service', () => {
  it('expires a lapsed booking\'s open checkout in the provider and asks bookings to release it', async () => {
    const p = payment({ method: 'card', status: 'open', stripeCheckoutSessionId: 'cs_1' });
    const repo = {
      hold: async () => undefined,
      lapsedHolds: async () => [{ id: 'b-1' }],
      paymentsOfBookings: async () => [{ payment: p, bookingId: 'b-1', amountPence: 8000 }],
      paymentForUpdate: async () => p,
      updatePayment: async (_id: string, v: Partial<PaymentRow>) => Object.assign(p, v),
      dropHolds: async () => undefined,
    };
    const fake = fakeProvider();
    const status = bookingStatus();
    const svc = createHoldsService({ db, payments: repo as never, bookingStatus: status, events: { settlePaid: jest.fn(), afterSettle: jest.fn() }, clock, provider: fake.provider });
    expect(await svc.releaseLapsedHolds()).toBe(1);
    expect(fake.done('expireCheckout')).toEqual([{ op: 'expireCheckout', key: 'hubkey-expire-pay-1' }]);
    expect(status.asked.release).toEqual(['b-1']);
    expect(p.status).toBe('expired');
  });
});

describe('checkout service', () => {
  const actor = { userId: 'u-1', email: 'a@x', name: 'A', isAdmin: false, staffHubs: new Set<string>(), volunteerHubs: new Set<string>(), organisations: new Set(['org-1']) };
  const deps = (b: unknown, provider?: ReturnType<typeof fakeProvider>['provider']) => ({
    db,
    payments: { seriesAwaiting: async () => [], holdsOf: async () => [], paymentsOfBookings: async () => [], insertPayment: async () => payment({ method: 'card' }), updatePayment: async (_id: string, v: Partial<PaymentRow>) => payment({ method: 'card', ...v }) } as never,
    bookings: { get: async () => b as never, getForUpdate: async () => b as never },
    venues: { getRoomWithHub: async () => ({ room: { name: 'Hall' }, hub: { id: 'hub-1', name: 'Elm Hub', timezone: 'Europe/London', settings: { holdMinutes: 30 } } }) as never, getHub: async () => undefined },
    organisations: { get: async () => undefined },
    clock,
    provider,
    publicUrl: 'http://hubkey.test',
  });

  it('refuses a booking not awaiting payment, and answers 503 without a provider', async () => {
    await expect(createCheckoutService(deps(booking({ status: 'confirmed' }), fakeProvider().provider)).checkout(actor, 'b-1', 'booking')).rejects.toMatchObject({ code: 'not_awaiting_payment' });
    await expect(createCheckoutService(deps(booking({ status: 'awaiting_payment', updatedAt: clock.now() }))).checkout(actor, 'b-1', 'booking')).rejects.toMatchObject({ code: 'payments_unavailable' });
  });

  it('opens one session keyed by the payment it recorded first', async () => {
    const fake = fakeProvider();
    const out = await createCheckoutService(deps(booking({ status: 'awaiting_payment', updatedAt: clock.now() }), fake.provider)).checkout(actor, 'b-1', 'booking');
    expect(out).toMatchObject({ paymentId: 'pay-1', checkoutUrl: 'https://pay.example/cs_1', amountPence: 6000 });
    expect(fake.done('createCheckout')).toEqual([{ op: 'createCheckout', key: 'hubkey-checkout-pay-1' }]);
  });
});
