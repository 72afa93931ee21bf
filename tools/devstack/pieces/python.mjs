// The Python the project runs, each set pinned in a requirements file and
// installed from PyPI into a virtual environment of its own under .local/:
// never into the system's Python.
//   .local/python      the suites' tools (schemathesis for contract fuzzing),
//                      tools/devstack/pieces/python/requirements.txt
//   .local/python-sdk  Dapr's Python SDK for examples/python-sdk,
//                      examples/python-sdk/requirements.txt
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT } from '../lib/settings.mjs';
import { run, SetupError } from '../lib/step.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, toolRuns } from '../lib/piece.mjs';

/** Creates (or re-creates, when its requirements changed) one virtual environment; returns its bin folder. */
async function ensureVirtualEnvironment(name, requirements) {
  const venv = path.join(LOCAL, name);
  const stamp = path.join(venv, '.requirements-hash');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  const bin = path.join(venv, 'bin');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return bin;
  const hint = `${installHint('python')}, then run the command again`;
  try {
    await run('python3', ['-m', 'venv', '--clear', venv], { hint });
  } catch (error) {
    throw new SetupError(`could not create a Python virtual environment in ${path.relative(ROOT, venv)}: ${error.message}`, { hint });
  }
  if (!fs.existsSync(path.join(bin, 'pip'))) {
    throw new SetupError(`the virtual environment in ${path.relative(ROOT, venv)} has no pip`, { hint });
  }
  await run(path.join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    hint: 'check that PyPI is reachable (pip config list), then run the command again',
  });
  fs.writeFileSync(stamp, hash);
  return bin;
}

export async function ensurePythonTools() {
  const bin = await ensureVirtualEnvironment('python', path.join(ROOT, 'tools', 'devstack', 'pieces', 'python', 'requirements.txt'));
  return { bin, schemathesis: path.join(bin, 'st') };
}

/** Dapr's Python SDK (examples/python-sdk); returns the environment's python. */
export async function ensurePythonSdk() {
  const bin = await ensureVirtualEnvironment('python-sdk', path.join(ROOT, 'examples', 'python-sdk', 'requirements.txt'));
  return { bin, python: path.join(bin, 'python') };
}

const SCHEMATHESIS = path.join(LOCAL, 'python', 'bin', 'st');

/** The piece (tools/devstack/lib/piece.mjs): schemathesis (and Dapr's Python SDK) in virtual environments under .local. */
export const piece = definePiece({
  name: 'python-tools',
  kind: 'tool',
  async detect() {
    return { installed: fs.existsSync(SCHEMATHESIS), running: false, where: path.relative(ROOT, SCHEMATHESIS) };
  },
  async install() {
    return { ...(await ensurePythonTools()), sdk: await ensurePythonSdk() };
  },
  start: ensurePythonTools,
  async health() {
    return toolRuns(SCHEMATHESIS, ['--version']);
  },
  stop: async () => undefined,
});
