import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import { Counter } from 'prom-client';
import { MESSAGES, type ErrorCode } from '../../domain/errors/error-catalogue.ts';
import { FrameMemo } from '../../replay/frame-memo.ts';
import { systemClock, type ReplayClock } from '../../replay/replay-clock.ts';
import { ReplayPlayer } from '../../replay/replay-player.ts';
import { ClientCommand, type ServerMessage } from '../../replay/replay-protocol.ts';

import { SharedWindows } from '../../replay/shared-windows.ts';

export interface ReplayRouteOptions {
  /** Injectable for tests (default: the system clock). */
  clock?: ReplayClock;
  /** Above this many unsent bytes a client counts as lagging: frames are dropped, not queued (default 1 MiB). */
  congestedBytes?: number;
  /** Rows that could only go out later than this are skipped and reported (default 250 ms). */
  maxLatenessMs?: number;
}

/**
 * WebSocket replay: one player per connection. Commands are JSON (ClientCommand in
 * src/replay/replay-protocol.ts); each is checked against the schema and handled in arrival order.
 */
export async function replayRoute(app: FastifyInstance, options: ReplayRouteOptions = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  const congestedBytes = options.congestedBytes ?? 1 << 20;
  // Shared by every connection: windows read once per device and stretch, frames serialised once per tick.
  const windows = new SharedWindows();
  const memo = new FrameMemo();
  const rows = new Counter({ name: 'telltale_replay_rows_total', help: "Replayed rows, by outcome ('sent', or 'dropped' and announced in a lag notice)", labelNames: ['outcome'], registers: [app.metrics.registry] });
  const onDelivered = (sent: number, dropped: number) => {
    if (sent) rows.inc({ outcome: 'sent' }, sent);
    if (dropped) rows.inc({ outcome: 'dropped' }, dropped);
  };
  app.get('/v1/replay', { websocket: true, schema: { summary: 'Replay a device or a session over WebSocket (see replay-protocol.ts)' } }, (socket, request) => {
    let player: ReplayPlayer | undefined;
    let queue: Promise<void> = Promise.resolve();
    const send = (message: ServerMessage): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    // Codes from the one catalogue, as HTTP and the CLI use them.
    const sendError = (code: ErrorCode, message: string): void => send({ type: 'error', code, message });
    const handle = async (raw: string): Promise<void> => {
      let command: unknown;
      try {
        command = JSON.parse(raw);
      } catch {
        return sendError('BAD_JSON', 'a command must be one JSON object');
      }
      if (!Value.Check(ClientCommand, command)) {
        const first = [...Value.Errors(ClientCommand, command)][0];
        return sendError('BAD_COMMAND', `not a replay command${first ? `: ${first.instancePath || '/'} ${first.message}` : ''}`);
      }
      if (command.type === 'open') {
        if (player) return player.handle(command);
        // Another fleet's device answers as an unknown one does (the auth plugin's rule for routes).
        if (!(await app.deviceVisible(request.principal, command.deviceId))) return sendError('NOT_FOUND', MESSAGES.noDataForDevice(command.deviceId));
        const opened = await app.services.replay.open(command, windows);
        app.audit.record({
          keyId: request.principal?.keyId ?? null, role: request.principal?.role ?? null, action: 'replay', method: 'WS', route: '/v1/replay',
          deviceId: command.deviceId, fromMs: command.fromMs ?? null, toMs: command.toMs ?? null, target: command.sessionId ?? command.eventId ?? null,
          status: 'error' in opened ? 404 : 200, detail: null,
        });
        if ('error' in opened) return sendError(opened.error.code, opened.error.message);
        player = new ReplayPlayer(opened.source, clock, send, {
          speed: command.speed,
          loop: command.loop,
          atMs: command.atMs,
          isCongested: () => socket.bufferedAmount > congestedBytes,
          maxLatenessMs: options.maxLatenessMs,
          frames: { memo, sendBytes: (bytes) => socket.readyState === socket.OPEN && socket.send(bytes, { binary: false }) },
          onDelivered,
        });
        return player.start(command.autoplay ?? false);
      }
      if (!player) return sendError('NOT_OPEN', "send {type:'open', deviceId, …} first");
      return player.handle(command);
    };
    socket.on('message', (data) => {
      const text = String(data);
      if (text.length > 4096) return sendError('BAD_COMMAND', 'a command is at most 4096 characters');
      // As over HTTP: the details of an unexpected failure go to the log, not to the client.
      queue = queue.then(() => handle(text)).catch((err: unknown) => {
        app.log.error({ err }, 'replay command failed');
        sendError('INTERNAL', MESSAGES.internal());
      });
    });
    // Counted against the key's cap on open replay sockets until it closes.
    const release = app.holdSocket(request);
    socket.on('close', () => {
      release();
      player?.close();
    });
  });
}
