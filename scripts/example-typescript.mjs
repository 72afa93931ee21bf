#!/usr/bin/env node
// npm run example:typescript — runs examples/typescript (on @dapr/dapr, built
// by `npm run build`) beside a sidecar of its own (app-id ts-client), against
// the orderflow that `npm start` (or `npm test`) is running; prints the
// client's result line and exits with its exit code.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, settings } from '../tools/devstack/lib/settings.mjs';
import { runExampleClient } from '../tools/devstack/lib/example-client.mjs';
import { SetupError } from '../tools/devstack/lib/step.mjs';

const appDirPath = path.join(ROOT, 'examples', 'typescript');
runExampleClient(
  {
    appID: 'ts-client',
    appDirPath,
    ports: settings.tsClient,
    command: [process.execPath, 'dist/orderflow-client.js'],
    customerPrefix: 'ts',
  },
  async () => {
    if (!fs.existsSync(path.join(appDirPath, 'dist', 'orderflow-client.js'))) {
      throw new SetupError('examples/typescript is not built', { hint: 'run `npm run build`, then this again' });
    }
    return {};
  },
);
