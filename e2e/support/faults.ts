// Real faults for end-to-end tests: a process of the running system is frozen
// with SIGSTOP (it accepts connections but answers nothing, like a hung
// service or a broker stuck in a GC pause) and thawed with SIGCONT.
import fs from 'node:fs';
import path from 'node:path';

const PROCESS_FILE = process.env.ORDERFLOW_PROCESS_FILE ?? path.resolve(__dirname, '../../.local/run/processes.json');

function pidOf(name: string): number {
  const { processes } = JSON.parse(fs.readFileSync(PROCESS_FILE, 'utf8')) as { processes: Record<string, { pid: number }> };
  const pid = processes[name]?.pid;
  if (!pid) {
    throw new Error(
      `no process named ${name} in ${PROCESS_FILE} (known: ${Object.keys(processes).join(', ')}); ` +
        'was it already running before npm test started, and so not started by the tests?',
    );
  }
  return pid;
}

/** Freezes the named process (e.g. 'payment-service', 'kafka') while `during` runs; always thaws it. */
export async function whileFrozen<T>(name: string, during: () => Promise<T>): Promise<T> {
  const pid = pidOf(name);
  process.kill(pid, 'SIGSTOP');
  try {
    return await during();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
