import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { webhookTargetRefusal } from '../domain/alerts/webhook-target.ts';

export interface WebhookReply {
  status: number;
  retryAfter: string | null;
}

/** A target refused before any connection: the address class, never the port or the address. */
export class WebhookTargetRefused extends Error {
  constructor(range: string) {
    super(`target refused: a ${range} address (set TELLTALE_WEBHOOK_ALLOW to allow it)`);
    this.name = 'WebhookTargetRefused';
  }
}

/**
 * The address check is made where the socket connects: the lookup below resolves the host and
 * refuses inside addresses, so a DNS answer that changes between a check and the connection
 * (rebinding) cannot slip through. IP literals skip lookup in Node, so they are checked first.
 */
function guardedLookup(allow: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const refusal = webhookTargetRefusal(allow, hostname, a.address);
        if (refusal) return callback(new WebhookTargetRefused(refusal), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** POSTs a notice: no redirects followed (a 3xx is an answer), inside addresses refused unless allowed. */
export function postWebhook(url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal; allow: readonly string[] }): Promise<WebhookReply> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const refusal = webhookTargetRefusal(init.allow, host, host);
    if (refusal) return Promise.reject(new WebhookTargetRefused(refusal));
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookReply>((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) }, lookup: guardedLookup(init.allow), signal: init.signal },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
