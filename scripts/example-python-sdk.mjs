#!/usr/bin/env node
// npm run example:python-sdk — installs Dapr's Python SDK into .local/python-sdk
// (pinned, examples/python-sdk/requirements.txt) when it is missing, then runs
// examples/python-sdk/orderflow_sdk_client.py beside a sidecar of its own
// (app-id python-client, the same identity as examples/python), against the
// orderflow that `npm start` (or `npm test`) is running; prints the client's
// result line and exits with its exit code.
import path from 'node:path';
import { ROOT, settings } from '../tools/devstack/lib/settings.mjs';
import { runExampleClient } from '../tools/devstack/lib/example-client.mjs';
import { ensurePythonSdk } from '../tools/devstack/pieces/python.mjs';

const { appPort: _none, ...ports } = settings.pythonClient;
runExampleClient(
  {
    appID: 'python-client',
    appDirPath: path.join(ROOT, 'examples', 'python-sdk'),
    // A streaming subscription: the client runs no server, its sidecar waits for no app port.
    ports,
    command: [path.join(ROOT, '.local', 'python-sdk', 'bin', 'python'), 'orderflow_sdk_client.py'],
    customerPrefix: 'pysdk',
    env: { PYTHONUNBUFFERED: '1' },
  },
  async () => {
    await ensurePythonSdk();
    return {};
  },
);
