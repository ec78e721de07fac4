/**
 * A fake Stripe API for tests: a real HTTP server on 127.0.0.1 that speaks enough of Stripe's
 * REST protocol (form-encoded bodies with bracket notation, `/v1/...` paths, JSON responses,
 * Stripe-style `{error: {type, message}}` errors) for the real `stripe` client to talk to it.
 *
 *   const fake = await startFakeStripe();
 *   const stripe = createStripeClient({ secretKey: 'sk_test_x', apiBase: fake.url });
 *   ...
 *   fake.state.checkoutSessions.get(id);  fake.requests;  await fake.close();
 *
 * Covered: checkout sessions (create, retrieve, expire), customers, invoice items, invoices
 * (create, retrieve, finalize, send, void), payment intents (retrieve), refunds (create, retrieve).
 * Helpers play Stripe's side: completing a checkout, settling a refund, paying an invoice,
 * building webhook events, and failing the next request.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Metadata = Record<string, string>;

export interface FakeLineItem {
  id: string;
  object: 'item';
  description: string;
  quantity: number;
  currency: string;
  amount_total: number;
  price: { unit_amount: number; currency: string; product_data?: Record<string, unknown> };
}

export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  url: string | null;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  mode: string;
  metadata: Metadata;
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  expires_at: number;
  created: number;
  payment_intent: string | null;
  customer: string | null;
  customer_email: string | null;
  client_reference_id: string | null;
  success_url: string | null;
  cancel_url: string | null;
  payment_intent_data: { metadata: Metadata } | null;
  livemode: false;
}

export interface FakeCustomer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: Metadata;
  created: number;
  livemode: false;
}

export interface FakeInvoiceItem {
  id: string;
  object: 'invoiceitem';
  customer: string;
  invoice: string | null;
  amount: number;
  currency: string;
  description: string | null;
  quantity: number;
  metadata: Metadata;
  date: number;
  livemode: false;
}

export interface FakeInvoice {
  id: string;
  object: 'invoice';
  customer: string;
  status: 'draft' | 'open' | 'paid' | 'void';
  collection_method: 'charge_automatically' | 'send_invoice';
  days_until_due: number | null;
  due_date: number | null;
  currency: string;
  description: string | null;
  metadata: Metadata;
  number: string | null;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  subtotal: number;
  total: number;
  lines: { object: 'list'; data: Record<string, unknown>[]; has_more: false; url: string };
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  auto_advance: boolean;
  created: number;
  status_transitions: { finalized_at: number | null; paid_at: number | null; voided_at: number | null };
  livemode: false;
}

export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: 'succeeded';
  metadata: Metadata;
  latest_charge: string;
  created: number;
  livemode: false;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  reason: string | null;
  metadata: Metadata;
  created: number;
}

export interface FakeEvent {
  id: string;
  object: 'event';
  api_version: string;
  type: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: unknown };
}

export interface FakeStripeRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/checkout/sessions`. */
  path: string;
  /** The form body, parsed with bracket notation into nested objects and arrays. */
  body: Record<string, unknown>;
  query: Record<string, unknown>;
  idempotencyKey: string | null;
}

export interface FakeStripeState {
  checkoutSessions: Map<string, FakeCheckoutSession>;
  checkoutLineItems: Map<string, FakeLineItem[]>;
  customers: Map<string, FakeCustomer>;
  invoiceItems: Map<string, FakeInvoiceItem>;
  invoices: Map<string, FakeInvoice>;
  /** Ids of invoices sent with POST /v1/invoices/:id/send, in order. */
  sentInvoices: string[];
  paymentIntents: Map<string, FakePaymentIntent>;
  refunds: Map<string, FakeRefund>;
  /** The status new refunds get (a bank refund stays `pending` for days). */
  refundStatus: 'succeeded' | 'pending';
}

export interface FakeFailure {
  /** HTTP status, default 500. */
  status?: number;
  /** Stripe error type, default `api_error` (or `invalid_request_error` for 4xx). */
  type?: string;
  message?: string;
  code?: string;
  /** Only fail a request whose `METHOD /path` matches; default any request. */
  match?: RegExp;
  /**
   * Drop the connection instead of answering: `true` before doing anything, `'after'` once the
   * request has been carried out (as when a response is lost on the way back). Note that
   * stripe-node retries a reset connection once, with the same idempotency key, even when
   * `maxNetworkRetries` is 0; it keys every POST.
   */
  drop?: true | 'after';
}

export interface FakeStripe {
  port: number;
  host: string;
  /** The API base to give the client, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
  requests: FakeStripeRequest[];
  state: FakeStripeState;
  /** Plays the customer paying: the session becomes complete and paid, with a payment intent. */
  completeCheckoutSession(id: string): FakeCheckoutSession;
  /** A succeeded payment intent to refund against, without a checkout. */
  createPaymentIntent(input: { amount: number; currency?: string; metadata?: Metadata }): FakePaymentIntent;
  /** Moves a pending refund to its final status. */
  settleRefund(id: string, status?: 'succeeded' | 'failed'): FakeRefund;
  /** Marks an open invoice paid. */
  payInvoice(id: string): FakeInvoice;
  /** A Stripe event wrapping `object`, ready to JSON.stringify and sign. */
  makeEvent(type: string, object: unknown): FakeEvent;
  /** Queues a failure for the next (matching) request. */
  failNext(failure?: FakeFailure): void;
  /** Forgets every object, request and queued failure. */
  reset(): void;
}

export interface FakeStripeOptions {
  /** The fake's clock, for `created`, `expires_at`, `due_date`; default the real time. */
  now?: () => Date;
}

const API_VERSION = '2026-10-28.endive';
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string, param?: string, code?: string) =>
  new StripeFailure(400, 'invalid_request_error', message, code, param);
const missing = (param: string) => badRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
const noSuch = (what: string, id: string, param = 'id') =>
  new StripeFailure(404, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing', param);

function found<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw noSuch(what, id);
  return value;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** `a[b][0][c]=x&m[k]=v` → `{a: {b: [{c: 'x'}]}, m: {k: 'v'}}`; `k[]=v` appends. */
export function parseStripeForm(raw: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const parts = match ? [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])] : [key];
    if (parts.some((p) => UNSAFE_KEYS.has(p))) continue;
    let node = root;
    parts.forEach((part, i) => {
      const k = part === '' ? String(Object.keys(node).length) : part;
      if (i === parts.length - 1) {
        node[k] = value;
        return;
      }
      const next = node[k];
      if (typeof next !== 'object' || next === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    });
  }
  return arrayify(root) as Record<string, unknown>;
}

function arrayify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const k of keys) obj[k] = arrayify(obj[k]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => obj[k]);
  }
  return obj;
}

function str(body: Record<string, unknown>, param: string): string | undefined {
  const v = body[param];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid string: ${param}`, param);
  return v;
}

function int(v: unknown, param: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw badRequest(`Invalid integer: ${String(v)}`, param);
  return Number(v);
}

function obj(v: unknown, param: string): Record<string, unknown> {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`Invalid object: ${param}`, param);
  return v as Record<string, unknown>;
}

function metadataOf(v: unknown, param = 'metadata'): Metadata {
  const out: Metadata = {};
  for (const [k, val] of Object.entries(obj(v, param))) {
    if (typeof val !== 'string') throw badRequest(`Invalid metadata value for ${k}`, `${param}[${k}]`);
    if (val !== '') out[k] = val;
  }
  return out;
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const now = () => Math.floor((options.now ? options.now() : new Date()).getTime() / 1000);
  const host = '127.0.0.1';
  const requests: FakeStripeRequest[] = [];
  const state: FakeStripeState = {
    checkoutSessions: new Map(),
    checkoutLineItems: new Map(),
    customers: new Map(),
    invoiceItems: new Map(),
    invoices: new Map(),
    sentInvoices: [],
    paymentIntents: new Map(),
    refunds: new Map(),
    refundStatus: 'succeeded',
  };
  const failures: FakeFailure[] = [];
  const idempotent = new Map<string, { fingerprint: string; status: number; payload: unknown }>();
  let invoiceNumber = 0;
  let baseUrl = '';

  // ----- objects ------------------------------------------------------------------------------

  const refundedOn = (pi: string) =>
    [...state.refunds.values()]
      .filter((r) => r.payment_intent === pi && r.status !== 'failed' && r.status !== 'canceled')
      .reduce((sum, r) => sum + r.amount, 0);

  function createPaymentIntent(input: { amount: number; currency?: string; metadata?: Metadata }): FakePaymentIntent {
    const pi: FakePaymentIntent = {
      id: newId('pi'),
      object: 'payment_intent',
      amount: input.amount,
      amount_received: input.amount,
      currency: input.currency ?? 'gbp',
      status: 'succeeded',
      metadata: { ...(input.metadata ?? {}) },
      latest_charge: newId('ch'),
      created: now(),
      livemode: false,
    };
    state.paymentIntents.set(pi.id, pi);
    return pi;
  }

  function recomputeInvoice(inv: FakeInvoice): void {
    const items = [...state.invoiceItems.values()].filter((ii) => ii.invoice === inv.id);
    const total = items.reduce((sum, ii) => sum + ii.amount, 0);
    inv.subtotal = total;
    inv.total = total;
    inv.amount_due = total;
    inv.amount_remaining = total - inv.amount_paid;
    inv.lines = {
      object: 'list',
      has_more: false,
      url: `/v1/invoices/${inv.id}/lines`,
      data: items.map((ii) => ({
        id: `il_${ii.id.slice(3)}`,
        object: 'line_item',
        amount: ii.amount,
        currency: ii.currency,
        description: ii.description,
        quantity: ii.quantity,
        metadata: ii.metadata,
        invoice_item: ii.id,
      })),
    };
  }

  function markInvoicePaid(inv: FakeInvoice): FakeInvoice {
    inv.status = 'paid';
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.status_transitions.paid_at = now();
    return inv;
  }

  // ----- routes -------------------------------------------------------------------------------

  function createCheckoutSession(body: Record<string, unknown>): FakeCheckoutSession {
    const mode = str(body, 'mode');
    if (!mode) throw missing('mode');
    if (mode !== 'payment') throw badRequest(`The fake only supports mode=payment, not ${mode}.`, 'mode');
    const rawItems = body.line_items;
    if (!Array.isArray(rawItems) || rawItems.length === 0) throw missing('line_items');
    const id = newId('cs_test');
    const items: FakeLineItem[] = rawItems.map((raw, i) => {
      const item = obj(raw, `line_items[${i}]`);
      if (item.price !== undefined) throw noSuch('price', String(item.price), `line_items[${i}][price]`);
      const pd = obj(item.price_data, `line_items[${i}][price_data]`);
      const currency = typeof pd.currency === 'string' ? pd.currency.toLowerCase() : undefined;
      if (!currency) throw missing(`line_items[${i}][price_data][currency]`);
      const unit = int(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`);
      if (unit === undefined) throw missing(`line_items[${i}][price_data][unit_amount]`);
      if (unit < 0) throw badRequest('unit_amount must be at least 0', `line_items[${i}][price_data][unit_amount]`);
      const quantity = int(item.quantity, `line_items[${i}][quantity]`);
      if (quantity === undefined) throw missing(`line_items[${i}][quantity]`);
      if (quantity < 1) throw badRequest('quantity must be at least 1', `line_items[${i}][quantity]`);
      const productData = obj(pd.product_data, `line_items[${i}][price_data][product_data]`);
      if (pd.product === undefined && typeof productData.name !== 'string') {
        throw missing(`line_items[${i}][price_data][product_data][name]`);
      }
      return {
        id: newId('li'),
        object: 'item',
        description: typeof productData.name === 'string' ? productData.name : String(pd.product),
        quantity,
        currency,
        amount_total: unit * quantity,
        price: { unit_amount: unit, currency, product_data: productData },
      };
    });
    const currencies = new Set(items.map((li) => li.currency));
    if (currencies.size > 1) throw badRequest('All line items must use the same currency.', 'line_items');
    const total = items.reduce((sum, li) => sum + li.amount_total, 0);
    const customer = str(body, 'customer') ?? null;
    if (customer && !state.customers.has(customer)) throw noSuch('customer', customer, 'customer');
    const created = now();
    const expiresAt = int(body.expires_at, 'expires_at') ?? created + 24 * 3600;
    if (expiresAt <= created) throw badRequest('expires_at must be in the future.', 'expires_at');
    const pid = body.payment_intent_data === undefined ? null : { metadata: metadataOf(obj(body.payment_intent_data, 'payment_intent_data').metadata) };
    const session: FakeCheckoutSession = {
      id,
      object: 'checkout.session',
      url: `${baseUrl}/c/pay/${id}`,
      status: 'open',
      payment_status: total === 0 ? 'no_payment_required' : 'unpaid',
      mode,
      metadata: metadataOf(body.metadata),
      amount_subtotal: total,
      amount_total: total,
      currency: [...currencies][0],
      expires_at: expiresAt,
      created,
      payment_intent: null,
      customer,
      customer_email: str(body, 'customer_email') ?? null,
      client_reference_id: str(body, 'client_reference_id') ?? null,
      success_url: str(body, 'success_url') ?? null,
      cancel_url: str(body, 'cancel_url') ?? null,
      payment_intent_data: pid,
      livemode: false,
    };
    state.checkoutSessions.set(id, session);
    state.checkoutLineItems.set(id, items);
    return session;
  }

  function getSession(id: string): FakeCheckoutSession {
    const s = state.checkoutSessions.get(id);
    if (!s) throw noSuch('checkout.session', id);
    return s;
  }

  function expireSession(id: string): FakeCheckoutSession {
    const s = getSession(id);
    if (s.status !== 'open') {
      throw badRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${s.status}".`);
    }
    s.status = 'expired';
    s.url = null;
    return s;
  }

  function completeCheckoutSession(id: string): FakeCheckoutSession {
    const s = getSession(id);
    if (s.status !== 'open') throw new Error(`checkout session ${id} is ${s.status}, not open`);
    if (s.amount_total > 0) {
      const pi = createPaymentIntent({ amount: s.amount_total, currency: s.currency, metadata: s.payment_intent_data?.metadata });
      s.payment_intent = pi.id;
      s.payment_status = 'paid';
    }
    s.status = 'complete';
    s.url = null;
    return s;
  }

  function createCustomer(body: Record<string, unknown>): FakeCustomer {
    const c: FakeCustomer = {
      id: newId('cus'),
      object: 'customer',
      email: str(body, 'email') ?? null,
      name: str(body, 'name') ?? null,
      phone: str(body, 'phone') ?? null,
      description: str(body, 'description') ?? null,
      metadata: metadataOf(body.metadata),
      created: now(),
      livemode: false,
    };
    state.customers.set(c.id, c);
    return c;
  }

  function createInvoiceItem(body: Record<string, unknown>): FakeInvoiceItem {
    const customer = str(body, 'customer');
    if (!customer) throw missing('customer');
    if (!state.customers.has(customer)) throw noSuch('customer', customer, 'customer');
    let amount = int(body.amount, 'amount');
    let quantity = int(body.quantity, 'quantity') ?? 1;
    let currency = str(body, 'currency')?.toLowerCase();
    if (body.price_data !== undefined) {
      if (amount !== undefined) throw badRequest('You may only specify one of amount and price_data.', 'amount');
      const pd = obj(body.price_data, 'price_data');
      const unit = int(pd.unit_amount, 'price_data[unit_amount]');
      if (unit === undefined) throw missing('price_data[unit_amount]');
      currency = typeof pd.currency === 'string' ? pd.currency.toLowerCase() : currency;
      amount = unit * quantity;
    } else {
      if (amount === undefined) throw missing('amount');
      quantity = 1;
    }
    if (!currency) throw missing('currency');
    const invoiceId = str(body, 'invoice') ?? null;
    if (invoiceId) {
      const inv = state.invoices.get(invoiceId);
      if (!inv) throw noSuch('invoice', invoiceId, 'invoice');
      if (inv.status !== 'draft') throw badRequest('You can only add invoice items to draft invoices.', 'invoice');
      if (inv.customer !== customer) throw badRequest('The invoice belongs to another customer.', 'invoice');
    }
    const item: FakeInvoiceItem = {
      id: newId('ii'),
      object: 'invoiceitem',
      customer,
      invoice: invoiceId,
      amount,
      currency,
      description: str(body, 'description') ?? null,
      quantity,
      metadata: metadataOf(body.metadata),
      date: now(),
      livemode: false,
    };
    state.invoiceItems.set(item.id, item);
    if (invoiceId) recomputeInvoice(state.invoices.get(invoiceId) as FakeInvoice);
    return item;
  }

  function createInvoice(body: Record<string, unknown>): FakeInvoice {
    const customer = str(body, 'customer');
    if (!customer) throw missing('customer');
    if (!state.customers.has(customer)) throw noSuch('customer', customer, 'customer');
    const method = str(body, 'collection_method') ?? 'charge_automatically';
    if (method !== 'charge_automatically' && method !== 'send_invoice') {
      throw badRequest(`Invalid collection_method: ${method}`, 'collection_method');
    }
    const days = int(body.days_until_due, 'days_until_due');
    const dueDate = int(body.due_date, 'due_date');
    if (method === 'send_invoice' && days === undefined && dueDate === undefined) {
      throw badRequest('Invoices with collection_method=send_invoice need days_until_due or due_date.', 'days_until_due');
    }
    if (method === 'charge_automatically' && (days !== undefined || dueDate !== undefined)) {
      throw badRequest('days_until_due and due_date may only be set when collection_method=send_invoice.', 'days_until_due');
    }
    if (days !== undefined && days < 0) throw badRequest('days_until_due must be at least 0', 'days_until_due');
    const behavior = str(body, 'pending_invoice_items_behavior') ?? 'exclude';
    const created = now();
    const inv: FakeInvoice = {
      id: newId('in'),
      object: 'invoice',
      customer,
      status: 'draft',
      collection_method: method,
      days_until_due: days ?? null,
      due_date: dueDate ?? (days !== undefined ? created + days * 86_400 : null),
      currency: str(body, 'currency')?.toLowerCase() ?? 'gbp',
      description: str(body, 'description') ?? null,
      metadata: metadataOf(body.metadata),
      number: null,
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      subtotal: 0,
      total: 0,
      lines: { object: 'list', data: [], has_more: false, url: '' },
      hosted_invoice_url: null,
      invoice_pdf: null,
      auto_advance: str(body, 'auto_advance') === 'true',
      created,
      status_transitions: { finalized_at: null, paid_at: null, voided_at: null },
      livemode: false,
    };
    state.invoices.set(inv.id, inv);
    if (behavior === 'include') {
      for (const ii of state.invoiceItems.values()) if (ii.customer === customer && ii.invoice === null) ii.invoice = inv.id;
    }
    recomputeInvoice(inv);
    return inv;
  }

  function getInvoice(id: string): FakeInvoice {
    const inv = state.invoices.get(id);
    if (!inv) throw noSuch('invoice', id);
    return inv;
  }

  function finalizeInvoice(id: string): FakeInvoice {
    const inv = getInvoice(id);
    if (inv.status !== 'draft') {
      throw badRequest("This invoice is already finalized, you can't re-finalize a non-draft invoice.", undefined, 'invoice_not_editable');
    }
    invoiceNumber += 1;
    const t = now();
    inv.status = 'open';
    inv.number = `FAKE-${String(invoiceNumber).padStart(4, '0')}`;
    inv.hosted_invoice_url = `${baseUrl}/i/${inv.id}`;
    inv.invoice_pdf = `${baseUrl}/i/${inv.id}/pdf`;
    inv.status_transitions.finalized_at = t;
    if (inv.days_until_due !== null) inv.due_date = t + inv.days_until_due * 86_400;
    if (inv.amount_due === 0) markInvoicePaid(inv);
    return inv;
  }

  function sendInvoice(id: string): FakeInvoice {
    const inv = getInvoice(id);
    if (inv.collection_method !== 'send_invoice') {
      throw badRequest("You can only manually send an invoice if its collection method is 'send_invoice'.");
    }
    if (inv.status === 'draft') throw badRequest('You can only send a finalized invoice; finalize this draft first.');
    if (inv.status === 'void') throw badRequest('You cannot send a void invoice.');
    state.sentInvoices.push(inv.id);
    return inv;
  }

  /** Like Stripe: only an open invoice can be voided (a draft is deleted instead; a paid one is credited). */
  function voidInvoice(id: string): FakeInvoice {
    const inv = getInvoice(id);
    if (inv.status === 'draft') throw badRequest('You can only void finalized invoices; delete this draft instead.', undefined, 'invoice_not_editable');
    if (inv.status === 'paid') {
      throw badRequest(`You can't void invoice ${inv.id} because it is already paid. Issue a credit note or refund instead.`, undefined, 'invoice_not_editable');
    }
    if (inv.status === 'void') throw badRequest(`Invoice ${inv.id} is already void.`, undefined, 'invoice_not_editable');
    inv.status = 'void';
    inv.amount_remaining = 0;
    inv.status_transitions.voided_at = now();
    return inv;
  }

  function createRefund(body: Record<string, unknown>): FakeRefund {
    const piId = str(body, 'payment_intent');
    if (!piId) throw missing('payment_intent');
    const pi = state.paymentIntents.get(piId);
    if (!pi) throw noSuch('payment_intent', piId, 'payment_intent');
    const remaining = pi.amount_received - refundedOn(pi.id);
    if (remaining <= 0) {
      throw badRequest(`Charge ${pi.latest_charge} has already been refunded.`, undefined, 'charge_already_refunded');
    }
    const amount = int(body.amount, 'amount') ?? remaining;
    if (amount < 1) throw badRequest('Refund amount must be at least 1.', 'amount');
    if (amount > remaining) {
      throw badRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
      );
    }
    const refund: FakeRefund = {
      id: newId('re'),
      object: 'refund',
      amount,
      currency: pi.currency,
      payment_intent: pi.id,
      charge: pi.latest_charge,
      status: state.refundStatus,
      reason: str(body, 'reason') ?? null,
      metadata: metadataOf(body.metadata),
      created: now(),
    };
    state.refunds.set(refund.id, refund);
    return refund;
  }

  function getRefund(id: string): FakeRefund {
    const r = state.refunds.get(id);
    if (!r) throw noSuch('refund', id);
    return r;
  }

  type Handler = (body: Record<string, unknown>, params: string[]) => unknown;
  const routes: [string, RegExp, Handler][] = [
    ['POST', /^\/v1\/checkout\/sessions$/, (b) => createCheckoutSession(b)],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, (_b, [id]) => getSession(id)],
    [
      'GET',
      /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/,
      (_b, [id]) => ({
        object: 'list',
        data: state.checkoutLineItems.get(getSession(id).id) ?? [],
        has_more: false,
        url: `/v1/checkout/sessions/${id}/line_items`,
      }),
    ],
    ['POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, (_b, [id]) => expireSession(id)],
    ['POST', /^\/v1\/customers$/, (b) => createCustomer(b)],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_b, [id]) => found(state.customers.get(id), 'customer', id)],
    ['POST', /^\/v1\/invoiceitems$/, (b) => createInvoiceItem(b)],
    ['POST', /^\/v1\/invoices$/, (b) => createInvoice(b)],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, (_b, [id]) => getInvoice(id)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/finalize$/, (_b, [id]) => finalizeInvoice(id)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/send$/, (_b, [id]) => sendInvoice(id)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/void$/, (_b, [id]) => voidInvoice(id)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (_b, [id]) => found(state.paymentIntents.get(id), 'payment_intent', id)],
    ['POST', /^\/v1\/refunds$/, (b) => createRefund(b)],
    ['GET', /^\/v1\/refunds\/([^/]+)$/, (_b, [id]) => getRefund(id)],
  ];

  // ----- HTTP ---------------------------------------------------------------------------------

  function send(res: http.ServerResponse, status: number, payload: unknown, replayed = false): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Request-Id': newId('req'),
      'Stripe-Version': API_VERSION,
      ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    });
    res.end(text);
  }

  function errorPayload(e: StripeFailure) {
    return {
      error: {
        type: e.type,
        message: e.message,
        ...(e.code ? { code: e.code } : {}),
        ...(e.param ? { param: e.param } : {}),
      },
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    let body: Record<string, unknown> = {};
    try {
      body = String(req.headers['content-type'] ?? '').includes('application/json') && raw ? JSON.parse(raw) : parseStripeForm(raw);
    } catch {
      send(res, 400, errorPayload(badRequest('Invalid request body.')));
      return;
    }
    requests.push({ method, path, body, query: parseStripeForm(url.search.slice(1)), idempotencyKey });

    let dropAfter = false;
    const failureIndex = failures.findIndex((f) => !f.match || f.match.test(`${method} ${path}`));
    if (failureIndex >= 0) {
      const [f] = failures.splice(failureIndex, 1);
      if (f.drop === true) {
        req.socket.destroy();
        return;
      }
      if (f.drop === 'after') {
        dropAfter = true;
      } else {
        const status = f.status ?? 500;
        const type = f.type ?? (status < 500 ? 'invalid_request_error' : 'api_error');
        send(res, status, errorPayload(new StripeFailure(status, type, f.message ?? 'Injected failure from the fake', f.code)));
        return;
      }
    }

    const auth = req.headers.authorization ?? '';
    if (!/^Bearer (sk|rk)_\S+$/.test(auth)) {
      send(res, 401, errorPayload(new StripeFailure(401, 'invalid_request_error', 'You did not provide a valid API key.')));
      return;
    }

    const fingerprint = `${method} ${path} ${raw}`;
    if (idempotencyKey && method === 'POST') {
      const seen = idempotent.get(idempotencyKey);
      if (seen && seen.fingerprint !== fingerprint) {
        const e = new StripeFailure(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        );
        send(res, 400, errorPayload(e));
        return;
      }
      if (seen) {
        send(res, seen.status, seen.payload, true);
        return;
      }
    }

    let status = 200;
    let payload: unknown;
    const route = routes.find(([m, re]) => m === method && re.test(path));
    if (!route) {
      status = 404;
      payload = errorPayload(new StripeFailure(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`));
    } else {
      try {
        const params = (route[1].exec(path) as RegExpExecArray).slice(1).map(decodeURIComponent);
        payload = route[2](body, params);
      } catch (err) {
        if (!(err instanceof StripeFailure)) throw err;
        status = err.status;
        payload = errorPayload(err);
      }
    }
    // Stripe stores the answer (the JSON at that moment) under the key, errors included.
    const snapshot = JSON.parse(JSON.stringify(payload)) as unknown;
    if (idempotencyKey && method === 'POST') idempotent.set(idempotencyKey, { fingerprint, status, payload: snapshot });
    if (dropAfter) {
      req.socket.destroy();
      return;
    }
    send(res, status, snapshot);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, 500, errorPayload(new StripeFailure(500, 'api_error', `Fake Stripe crashed: ${String(err)}`)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    port,
    host,
    url: baseUrl,
    requests,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    completeCheckoutSession,
    createPaymentIntent,
    settleRefund(id, status = 'succeeded') {
      const r = getRefund(id);
      r.status = status;
      return r;
    },
    payInvoice(id) {
      const inv = getInvoice(id);
      if (inv.status !== 'open') throw new Error(`invoice ${id} is ${inv.status}, not open`);
      return markInvoicePaid(inv);
    },
    makeEvent(type, object) {
      return {
        id: newId('evt'),
        object: 'event',
        api_version: API_VERSION,
        type,
        created: now(),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: JSON.parse(JSON.stringify(object)) as unknown },
      };
    },
    failNext(failure = {}) {
      failures.push(failure);
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
      idempotent.clear();
      state.checkoutSessions.clear();
      state.checkoutLineItems.clear();
      state.customers.clear();
      state.invoiceItems.clear();
      state.invoices.clear();
      state.sentInvoices.length = 0;
      state.paymentIntents.clear();
      state.refunds.clear();
      state.refundStatus = 'succeeded';
    },
  };
}
