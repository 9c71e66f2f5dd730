import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Postgres for the fault suite: it passes bytes through, or
 * - `cut()`: drops every connection and refuses new ones, as a restarting server does;
 * - `blackhole()`: holds every byte in both directions without closing anything, as a
 *   network partition does (TCP keeps the data and delivers it once the path is back);
 * `heal()` restores the path.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'pass' | 'cut' | 'blackhole' = 'pass';
  const links = new Set<Link>();

  // Bytes are forwarded by hand so that a blackhole can hold them, in order, and let them
  // through when the path is back: nothing is lost or reordered, it only arrives late.
  interface Link {
    sockets: [Socket, Socket];
    flush(): void;
  }
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const held: [Socket, Buffer][] = [];
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (mode === 'blackhole' || held.length > 0) held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const link: Link = {
      sockets: [client, upstream],
      flush() {
        for (const [to, chunk] of held.splice(0)) to.write(chunk);
      },
    };
    links.add(link);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });

  const destroyAll = () => {
    for (const { sockets } of links) for (const socket of sockets) socket.destroy();
    links.clear();
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    cut() {
      mode = 'cut';
      destroyAll();
    },
    blackhole() {
      mode = 'blackhole';
    },
    heal() {
      mode = 'pass';
      for (const link of links) link.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
