/**
 * A local stand-in for Slack's Socket Mode WebSocket: the bot's Socket Mode client gets its URL from
 * `apps.connections.open` (answered by the Web API stand-in), connects, is greeted with `hello`, and
 * then receives envelopes the way Slack sends them and must ack each by its envelope_id.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export class SocketModeStandIn {
  private socket?: WebSocket;
  private readonly acks = new Map<string, (ack: Ack) => void>();
  private readonly connectedWaiters: ((socket: WebSocket) => void)[] = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as Ack;
        this.acks.get(ack.envelope_id)?.(ack);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'applink-stand-in', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0ROLLBACK' },
        }),
      );
      for (const waiter of this.connectedWaiters.splice(0)) waiter(socket);
    });
  }

  static async start(): Promise<SocketModeStandIn> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return new SocketModeStandIn(
      server,
      `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=A0ROLLBACK`,
    );
  }

  connected(): Promise<WebSocket> {
    return this.socket
      ? Promise.resolve(this.socket)
      : new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Sends one envelope (`slash_commands`, `interactive`…) and resolves with the bot's ack. */
  async deliver(type: string, payload: Record<string, unknown>, timeoutMs = 10_000): Promise<Ack> {
    const socket = await this.connected();
    const envelopeId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ack for ${type} ${envelopeId} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        this.acks.delete(envelopeId);
        resolve(ack);
      });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
    });
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
