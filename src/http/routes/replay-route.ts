import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import { MESSAGES, type ErrorCode } from '../../domain/errors/error-catalogue.ts';
import { systemClock } from '../../replay/replay-clock.ts';
import { ReplayPlayer } from '../../replay/replay-player.ts';
import { ClientCommand, type ServerMessage } from '../../replay/replay-protocol.ts';

/** Above this many unsent bytes a client counts as lagging: frames are dropped, not queued. */
const CONGESTED_BYTES = 1 << 20;

/**
 * WebSocket replay: one player per connection. Commands are JSON (ClientCommand in
 * src/replay/replay-protocol.ts); each is checked against the schema and handled in arrival order.
 */
export async function replayRoute(app: FastifyInstance): Promise<void> {
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
        const opened = await app.services.replay.open(command);
        app.audit.record({
          keyId: request.principal?.keyId ?? null, role: request.principal?.role ?? null, action: 'replay', method: 'WS', route: '/v1/replay',
          deviceId: command.deviceId, fromMs: command.fromMs ?? null, toMs: command.toMs ?? null, target: command.sessionId ?? null,
          status: 'error' in opened ? 404 : 200, detail: null,
        });
        if ('error' in opened) return sendError(opened.error.code, opened.error.message);
        player = new ReplayPlayer(opened.source, systemClock, send, {
          speed: command.speed,
          loop: command.loop,
          atMs: command.atMs,
          isCongested: () => socket.bufferedAmount > CONGESTED_BYTES,
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
