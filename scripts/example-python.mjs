#!/usr/bin/env node
// npm run example:python — runs examples/python/orderflow_client.py (standard
// library only) beside a sidecar of its own (app-id python-client), against the
// orderflow that `npm start` (or `npm test`) is running; prints the client's
// result line and exits with its exit code.
import path from 'node:path';
import { ROOT, settings } from '../tools/devstack/lib/settings.mjs';
import { runExampleClient } from '../tools/devstack/lib/example-client.mjs';

runExampleClient({
  appID: 'python-client',
  appDirPath: path.join(ROOT, 'examples', 'python'),
  ports: settings.pythonClient,
  command: ['python3', 'orderflow_client.py'],
  customerPrefix: 'py',
  env: { PYTHONUNBUFFERED: '1' },
});
