/**
 * The real Stripe client, pointed at `apiBase` so tests can aim it at a local fake
 * (test/fakes/fake-stripe.ts) that speaks the same REST protocol.
 */
import Stripe from 'stripe';

export const DEFAULT_STRIPE_API_BASE = 'https://api.stripe.com';

export interface StripeClientOptions {
  secretKey: string;
  /** `https://api.stripe.com` (default) or e.g. `http://127.0.0.1:12111` for a local fake. */
  apiBase?: string;
  /** Request timeout in ms; Stripe's default is 80 s. */
  timeoutMs?: number;
  /** Automatic retries of failed requests (with idempotency keys); default 0. */
  maxNetworkRetries?: number;
}

export interface StripeEndpoint {
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

/** Splits an API base URL into the host, port and protocol the Stripe client takes. */
export function parseStripeApiBase(apiBase: string = DEFAULT_STRIPE_API_BASE): StripeEndpoint {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new Error(`Invalid Stripe API base URL: ${apiBase}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Stripe API base must be http or https: ${apiBase}`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`Stripe API base must not have a path: ${apiBase}`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const { protocol, host, port } = parseStripeApiBase(options.apiBase);
  return new Stripe(options.secretKey, {
    host,
    port,
    protocol,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: options.timeoutMs,
    telemetry: false,
    appInfo: { name: 'Hubkey' },
  });
}
