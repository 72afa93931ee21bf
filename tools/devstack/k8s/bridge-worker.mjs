// The half of the bridge (bridge.mjs) that lives inside the node's network
// namespace: it opens listening sockets and outgoing connections there and
// hands each to its parent over the IPC channel, which pipes them to this
// machine's loopback. It holds no traffic itself. It ends with its parent.
import net from 'node:net';

process.on('disconnect', () => process.exit(0));

process.on('message', (request) => {
  const fail = (error) => process.send({ id: request.id, error: error.message });
  if (request.type === 'listen') {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(request.port, request.host, () => {
      // The parent accepts on its copy of the socket; ours is closed once sent.
      process.send({ id: request.id }, server, () => server.close());
    });
  } else if (request.type === 'probe') {
    // Does a TCP connection to host:port open from inside? (No bytes are exchanged.)
    const socket = net.connect({ host: request.host, port: request.port });
    socket.setTimeout(2_000, () => socket.destroy(new Error('connect timed out')));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.removeListener('error', fail);
      socket.destroy();
      process.send({ id: request.id });
    });
  } else if (request.type === 'connect') {
    const socket = net.connect({ host: request.host, port: request.port, allowHalfOpen: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.removeListener('error', fail);
      process.send({ id: request.id }, socket);
    });
  }
});
process.send({ ready: true });
