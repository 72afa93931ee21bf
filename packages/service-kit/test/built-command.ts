// Runs a service's built command (`node dist/<command>.js`, as its image does)
// with only the environment given (and PATH), for the tests of what an operator sees.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export function runBuiltCommand(service: string, command: 'start' | 'migrate', env: Record<string, string>) {
  return spawnSync(process.execPath, [path.resolve(__dirname, `../../../apps/${service}/dist/${command}.js`)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}
