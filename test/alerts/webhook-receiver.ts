import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  key: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { idempotencyKey: string; incident: { deviceId: string; incidentId: string; replayUrl: string }; step: { index: number } } & Record<string, unknown>;
}

/** Answer for one request: a status (and headers), or 'hang' to never answer. */
export type Behaviour = (hook: ReceivedWebhook, res: ServerResponse) => { status: number; headers?: Record<string, string> } | 'hang';

/** A real webhook receiver on port 0 that records every request and de-duplicates by idempotency key. */
export async function startReceiver(behaviour: Behaviour = () => ({ status: 200 })) {
  const received: ReceivedWebhook[] = [];
  const hanging: ServerResponse[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let current = behaviour;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const hook: ReceivedWebhook = {
        key: String(req.headers['telltale-idempotency-key']), timestamp: String(req.headers['telltale-timestamp']),
        signature: String(req.headers['telltale-signature']), body, json: JSON.parse(body),
      };
      received.push(hook);
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
      const answer = current(hook, res);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    /** Keys as a de-duplicating receiver would keep them: first arrival only. */
    uniqueKeys: () => [...new Set(received.map((r) => r.key))],
    setBehaviour: (b: Behaviour) => (current = b),
    waitFor: (n: number) => new Promise<void>((resolve) => (received.length >= n ? resolve() : waiters.push({ n, resolve }))),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
