/** The host name of a Host header or an Origin, lower-cased, without the port (IPv6 keeps its brackets). */
export function hostName(value: string): string | undefined {
  const text = value.includes('://') ? safeUrlHost(value) : value;
  if (text === undefined) return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(text.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

function safeUrlHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * The host names this server answers to: localhost and the loopback addresses, the listen
 * address when it is a specific one, and TELLTALE_ALLOWED_HOSTS. Anything else is a DNS-rebinding
 * attempt or a misdirected request.
 */
export function defaultAllowedHosts(listenHost: string | undefined, extra: readonly string[] = []): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (listenHost && listenHost !== '0.0.0.0' && listenHost !== '::') hosts.add(listenHost.includes(':') ? `[${listenHost}]` : listenHost.toLowerCase());
  for (const h of extra) if (h.trim()) hosts.add(h.trim().toLowerCase());
  return [...hosts];
}
