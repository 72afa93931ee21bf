// Doors between this machine's loopback and the node's network namespace, one
// TCP port at a time, opened by `npm test`'s cluster suite for as long as it runs.
// The namespace keeps no route out: nothing in it reaches this machine except
// through a door opened here, and only to the one address it names.
//
//   publish(nodePort, hostPort)   a listener on the node IP (10.77.0.2:nodePort)
//                                 whose connections reach 127.0.0.1:hostPort here
//                                 (how pods reach Kafka, PostgreSQL, the SMTP sink
//                                 and the issuer, through Services without selectors)
//   reach(host, port)             a listener on 127.0.0.1 here whose connections reach
//                                 host:port inside the namespace (how the tests reach
//                                 order-service's public Service)
//
// How: a worker runs inside the namespace (nsenter -n) and hands its sockets to
// this process over Node's IPC channel (SCM_RIGHTS); this process pipes bytes.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { info, SetupError } from '../lib/step.mjs';
import { network } from './layout.mjs';
import { livePid } from './node.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bridge-worker.mjs');

/**
 * Bytes both ways. A side that finishes sending (FIN) finishes the other side's
 * sending too, and each keeps reading until its peer is done as well (half-close,
 * as TCP has it: a client may send its request, end, and still read the answer).
 * An error or an abrupt close on one side resets the other.
 */
function splice(a, b) {
  a.allowHalfOpen = true;
  b.allowHalfOpen = true;
  a.pipe(b);
  b.pipe(a);
  const destroyBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.once('error', destroyBoth);
  b.once('error', destroyBoth);
  a.once('close', () => b.destroy());
  b.once('close', () => a.destroy());
}

/** `pid`: a process in the namespace (the node's sandbox by default); `nodeIp`: where publish() listens in it. */
export async function openBridge({ pid = livePid('sandbox'), nodeIp = network.nodeIp } = {}) {
  if (!pid) throw new SetupError('the node is not running', { hint: 'start it with `npm run k8s -- up`' });
  const worker = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  const servers = [];
  let closed = false;

  await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new SetupError(`the bridge into the node's network namespace exited (${code}) before it was ready`)));
    worker.once('message', resolve);
  });
  worker.on('message', (reply, handle) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return handle?.destroy?.();
    pending.delete(reply.id);
    if (reply.error) waiter.reject(new Error(reply.error));
    else waiter.resolve(handle);
  });
  worker.on('exit', (code, signal) => {
    for (const { reject } of pending.values()) reject(new SetupError('the bridge worker exited'));
    pending.clear();
    // Its listeners live on in this process; only new reach() doors need it. Say so, it is never expected.
    if (!closed) info(`the bridge's worker in the node's namespace exited (${signal ?? code}): new connections into the node fail`);
  });

  const ask = (request) =>
    new Promise((resolve, reject) => {
      if (closed || !worker.connected) return reject(new SetupError('the bridge is closed'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.send({ ...request, id });
    });

  return {
    /** A listener on the node IP inside the namespace; its connections reach 127.0.0.1:hostPort here. */
    async publish(nodePort, hostPort) {
      const server = await ask({ type: 'listen', host: nodeIp, port: nodePort }).catch((error) => {
        throw new SetupError(`cannot listen on ${nodeIp}:${nodePort} inside the node's namespace: ${error.message}`);
      });
      server.allowHalfOpen = true;
      server.on('connection', (inside) => splice(inside, net.connect({ host: '127.0.0.1', port: hostPort, allowHalfOpen: true })));
      servers.push(server);
      return `${nodeIp}:${nodePort}`;
    },
    /** A listener on 127.0.0.1 (any free port) here; its connections reach host:port inside the namespace. */
    async reach(host, port) {
      const server = net.createServer({ allowHalfOpen: true }, (outside) => {
        outside.pause();
        ask({ type: 'connect', host, port }).then(
          (inside) => {
            splice(outside, inside);
            outside.resume();
          },
          (error) => {
            // The client sees its connection closed, as if the target had refused it; the console says why.
            info(`a connection through the bridge to ${host}:${port} failed: ${error.message}`);
            outside.destroy();
          },
        );
      });
      await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      servers.push(server);
      return server.address().port;
    },
    /** Whether a TCP connection to host:port opens from inside the namespace. */
    probe(host, port) {
      // A connection the namespace's network refuses is the probe's "no"; a bridge that is closed or gone (a SetupError) is no answer at all.
      return ask({ type: 'probe', host, port }).then(
        () => true,
        (error) => {
          if (error instanceof SetupError) throw error;
          return false;
        },
      );
    },
    async close() {
      closed = true;
      for (const server of servers) server.close();
      worker.disconnect?.();
      worker.kill();
    },
  };
}
