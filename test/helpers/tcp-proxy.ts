import * as net from 'node:net';

/**
 * A TCP relay in front of a server, to play a network that swallows packets: `blackhole()` freezes
 * every open connection (nothing is relayed any more, nothing is closed) and accepts new ones without
 * connecting them anywhere; `restore()` drops the frozen connections and relays new ones again.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private swallowing = false;
  private refusing = false;

  private constructor(
    private readonly server: net.Server,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, targetHost, targetPort);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  blackhole(): void {
    this.swallowing = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
      socket.removeAllListeners('data');
    }
  }

  /** A cut cable that the OS notices: every open connection is reset and new ones are closed at once. */
  cut(): void {
    this.refusing = true;
    this.dropAll();
  }

  restore(): void {
    this.swallowing = false;
    this.refusing = false;
    this.dropAll();
  }

  /** Relays new connections again but leaves the frozen ones frozen (a client must give up on them itself). */
  relayNewOnly(): void {
    this.swallowing = false;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    this.track(client);
    if (this.swallowing) {
      client.pause();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
