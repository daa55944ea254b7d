/**
 * A TCP proxy on 127.0.0.1 in front of a real server (s3rver), that a test can cut and restore,
 * like a storage outage between the API and its store: `down()` resets every open connection and
 * every new one until `up()`. The server behind it keeps what it stored, so after `up()` the
 * store is exactly as before the outage. `connections` counts accepted connections (a test can
 * wait until a client has tried during the outage).
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  readonly isDown: boolean;
  /** connections refused while down */
  readonly refused: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let isDown = false;
  let refused = 0;
  const server = createServer((client) => {
    if (isDown) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    open.add(client);
    open.add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get isDown() {
      return isDown;
    },
    get refused() {
      return refused;
    },
    down() {
      isDown = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    up() {
      isDown = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
