/**
 * An HTTP gate in front of a fake (Twilio, here): passes requests through, or holds them
 * unanswered so a test can act while a caller is "mid-request" (kill it, send it SIGTERM), and
 * then either drops them (they never reached the fake: nothing was accepted) or lets them through.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Held {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
}

export interface Gate {
  url: string;
  /** Let every request through (and those held so far, when `releaseHeld` is true). */
  open(opts?: { releaseHeld?: boolean }): Promise<void>;
  /** Let the next `n` requests through, then hold the rest. */
  holdAfter(n: number): void;
  /** Resolves when at least one request is being held. */
  held(): Promise<void>;
  /** Closes the held requests' connections without passing them on (the fake never sees them). */
  dropHeld(): number;
  close(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
  let passes = Infinity;
  const holding: Held[] = [];
  let heldWaiters: (() => void)[] = [];

  async function forward({ req, res, body }: Held) {
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
      const r = await fetch(target + (req.url ?? '/'), { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
      const text = await r.text();
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch {
      res.destroy();
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const item = { req, res, body: Buffer.concat(chunks) };
      if (passes > 0) {
        passes--;
        void forward(item);
        return;
      }
      holding.push(item);
      const waiters = heldWaiters;
      heldWaiters = [];
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async open(opts = {}) {
      passes = Infinity;
      const items = holding.splice(0);
      if (opts.releaseHeld) await Promise.all(items.map(forward));
      else for (const h of items) h.res.destroy();
    },
    holdAfter(n) {
      passes = n;
    },
    held: () => (holding.length ? Promise.resolve() : new Promise<void>((resolve) => heldWaiters.push(resolve))),
    dropHeld() {
      const items = holding.splice(0);
      for (const h of items) h.res.destroy();
      return items.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of holding.splice(0)) h.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
