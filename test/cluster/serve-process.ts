import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI, NODE, ROOT } from '../cli/run-cli.ts';

/** One pino line of a serve process's log. */
export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** A real `telltale serve --store clickhouse://…` child process, its log lines parsed as they come. */
export interface ServeProcess {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a log line passes the test (already logged or later); rejects if the process exits first. */
  waitForLog(test: (line: LogLine) => boolean): Promise<LogLine>;
  /** The URL it listens on and its admin key, once it logged 'telltale listening'. */
  ready(): Promise<{ url: string; key: string }>;
  /** Partitions it owns by its latest 'device partitions changed' line. */
  owned(): number[];
}

export function startServe(store: string, o: { rules: string; keyFile: string; env?: NodeJS.ProcessEnv }): ServeProcess {
  const child = spawn(NODE, [CLI, 'serve', '--store', store, '--port', '0', '--host', '127.0.0.1', '--alert-rules', o.rules, '--admin-key-file', o.keyFile], {
    cwd: ROOT,
    env: { ...process.env, TZ: 'UTC', LOG_LEVEL: 'info', TELLTALE_WEBHOOK_ALLOW: '127.0.0.1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void; reject: (e: Error) => void }>();
  let stderr = '';
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      logs.push(line);
      for (const w of [...waiters]) if (w.test(line)) (waiters.delete(w), w.resolve(line));
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of waiters) w.reject(new Error(`serve exited (${code ?? signal}) before the awaited log line: ${stderr.slice(-2000)}`));
      waiters.clear();
      resolve({ code, signal });
    }),
  );
  const waitForLog = (test: (line: LogLine) => boolean) => {
    const seen = logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => waiters.add({ test, resolve, reject }));
  };
  return {
    child,
    logs,
    exited,
    waitForLog,
    async ready() {
      const line = await waitForLog((l) => l.msg === 'telltale listening');
      return { url: String(line.url), key: readFileSync(o.keyFile, 'utf8').trim() };
    },
    owned() {
      const last = logs.filter((l) => l.msg === 'device partitions changed').at(-1);
      return (last?.owned as number[] | undefined) ?? [];
    },
  };
}

/** Polls `probe` until it gives a value (the API or the receiver reached a state); fails after `timeoutMs` with what it waited for. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
