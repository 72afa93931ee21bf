// The bridge between this machine's loopback and a network namespace with no
// route out (tools/devstack/k8s/bridge.mjs), on a namespace of its own made for
// the test (unshare --net; root only, as the cluster is).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openBridge } from '../k8s/bridge.mjs';

const isRoot = process.getuid?.() === 0;
const INSIDE_IP = '10.99.0.2';

/** Runs a Node.js one-liner inside the namespace; resolves with what it printed. Not spawnSync: this process pipes the bridge. */
function insideNode(pid, script) {
  return new Promise((resolve) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', () => resolve(output.trim()));
  });
}

const CONNECT_AND_READ = (host, port) =>
  `const s = require('net').connect(${port}, '${host}'); let d = ''; s.on('data', (c) => d += c); s.on('end', () => console.log('read:' + d)); s.on('error', (e) => console.log('error:' + e.code)); s.end('ping');`;

describe('the bridge into a namespace with no route out', { skip: !isRoot && 'needs root (unshare --net)' }, () => {
  let holder;
  let bridge;
  let hostServer;
  before(async () => {
    holder = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    // Until unshare has run, the pid is still in this machine's namespace: never configure that one.
    const ours = fs.readlinkSync('/proc/self/ns/net');
    for (let tries = 0; fs.readlinkSync(`/proc/${holder.pid}/ns/net`) === ours; tries += 1) {
      assert.ok(tries < 100, 'unshare --net did not make a namespace within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const setUp = spawnSync('nsenter', ['-t', String(holder.pid), '-n', '--', 'sh', '-c', `ip link set lo up && ip addr add ${INSIDE_IP}/32 dev lo`]);
    assert.equal(setUp.status, 0, `configuring the test namespace: ${setUp.stderr}`);
    hostServer = net.createServer((socket) => socket.once('data', (data) => socket.end(`host saw ${data}`)));
    await new Promise((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    bridge = await openBridge({ pid: holder.pid, nodeIp: INSIDE_IP });
  });
  after(async () => {
    await bridge?.close();
    hostServer?.close();
    holder?.kill();
  });

  it('lets nothing inside reach this machine except through a door it opened', async () => {
    assert.match(await insideNode(holder.pid, CONNECT_AND_READ('127.0.0.1', hostServer.address().port)), /^error:ECONNREFUSED$/);
    assert.match(await insideNode(holder.pid, CONNECT_AND_READ('10.0.0.1', hostServer.address().port)), /^error:ENETUNREACH$/);
  });

  it('publishes a port of this machine at the namespace address, both ways of the connection carried', async () => {
    await bridge.publish(7777, hostServer.address().port);
    assert.equal(await insideNode(holder.pid, CONNECT_AND_READ(INSIDE_IP, 7777)), 'read:host saw ping');
  });

  it('reaches a listener inside the namespace from 127.0.0.1 here', async () => {
    const inside = spawn('nsenter', ['-t', String(holder.pid), '-n', '--', process.execPath, '-e',
      `require('net').createServer((s) => s.once('data', (d) => s.end('inside saw ' + d))).listen(8888, '${INSIDE_IP}', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => inside.stdout.once('data', resolve));
      const port = await bridge.reach(INSIDE_IP, 8888);
      const answer = await new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk)).on('end', () => resolve(data)).on('error', reject);
        socket.end('pong');
      });
      assert.equal(answer, 'inside saw pong');
    } finally {
      inside.kill();
    }
  });

  it('probes whether a connection opens inside: yes to a door it published, no where nothing listens', async () => {
    await bridge.publish(7778, hostServer.address().port);
    assert.equal(await bridge.probe(INSIDE_IP, 7778), true);
    assert.equal(await bridge.probe(INSIDE_IP, 9998), false);
  });

  it('closes the connection from here when nothing listens at the address inside', async () => {
    const port = await bridge.reach(INSIDE_IP, 9999);
    const outcome = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', () => resolve('data')).on('close', () => resolve('closed')).on('error', () => resolve('closed'));
    });
    assert.equal(outcome, 'closed');
  });
});
