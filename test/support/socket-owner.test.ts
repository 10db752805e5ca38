import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { processOwningPort } from './socket-owner';

describe('processOwningPort', () => {
  it('names the process holding the client end of a connection, and no process for a port nobody holds', async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // A second process connects and keeps the connection open until its stdin closes.
    const child = spawn(
      process.execPath,
      ['-e', `require('net').connect(${port}, '127.0.0.1'); process.stdin.resume();`],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    try {
      const socket = await accepted;
      const clientPort = socket.remotePort!;
      expect(await processOwningPort(clientPort, [process.pid, child.pid!])).toBe(child.pid);
      // This process holds the server's end (its local port is the listening one), not the client's.
      expect(await processOwningPort(clientPort, [process.pid])).toBeNull();
      socket.destroy();
    } finally {
      child.stdin!.end();
      child.kill();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
