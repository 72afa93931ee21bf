// The Python tools the suites use (schemathesis for contract fuzzing), pinned in
// scripts/python/requirements.txt and installed from PyPI into a virtual
// environment under .local/python: never into the system's Python.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT } from './settings.mjs';
import { run, SetupError } from './step.mjs';

const VENV = path.join(LOCAL, 'python');
const REQUIREMENTS = path.join(ROOT, 'scripts', 'python', 'requirements.txt');
const STAMP = path.join(VENV, '.requirements-hash');

export async function ensurePythonTools() {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
  const bin = path.join(VENV, 'bin');
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === hash) return { bin, schemathesis: path.join(bin, 'st') };
  const hint = 'install Python 3.9+ with its venv module (Debian: apt-get install -y python3-venv), then run the command again';
  try {
    await run('python3', ['-m', 'venv', '--clear', VENV], { hint });
  } catch (error) {
    throw new SetupError(`could not create a Python virtual environment in ${path.relative(ROOT, VENV)}: ${error.message}`, { hint });
  }
  await run(path.join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], {
    hint: 'check that PyPI is reachable (pip config list), then run the command again',
  });
  fs.writeFileSync(STAMP, hash);
  return { bin, schemathesis: path.join(bin, 'st') };
}
