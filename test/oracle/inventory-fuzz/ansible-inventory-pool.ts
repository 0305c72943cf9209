import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ansibleInventoryEnv } from '../../support/ansible-inventory-env.js';

export interface AnsibleResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** The Python that runs ansible (its shebang): another python3 on PATH may not have it. */
function ansiblePython(): string {
  const launcher = execFileSync('which', ['ansible-inventory'], { encoding: 'utf8' }).trim();
  return readFileSync(launcher, 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];
}

const SERVER = join(dirname(new URL(import.meta.url).pathname), 'ansible-inventory-server.py');

/**
 * A few ansible-inventory fork servers (ansible-inventory-server.py) sharing a queue: each call is
 * a real `ansible-inventory ARGS` run in its own process, with the environment of
 * test/oracle/inventory.test.ts (an empty HOME, no ansible.cfg, unparsed sources are failures).
 */
export class AnsibleInventoryPool {
  private readonly workers: { proc: ChildProcessWithoutNullStreams; busy: boolean }[] = [];
  private readonly queue: { args: string[]; cwd: string; resolve: (r: AnsibleResult) => void; reject: (e: Error) => void }[] = [];
  private readonly waiting = new Map<number, { out: string; err: string; resolve: (r: AnsibleResult) => void; worker: number }>();
  private nextId = 0;
  private readonly scratch = mkdtempSync(join(tmpdir(), 'ansible-inventory-pool-'));

  constructor(size: number) {
    const home = mkdtempSync(join(tmpdir(), 'ansible-oracle-'));
    const env = { ...ansibleInventoryEnv(home), LC_ALL: 'C.UTF-8' };
    const python = ansiblePython();
    for (let i = 0; i < size; i++) {
      const proc = spawn(python, [SERVER], { env, cwd: home });
      proc.stderr.on('data', (d) => process.stderr.write(d));
      createInterface({ input: proc.stdout }).on('line', (line) => this.answered(JSON.parse(line) as { id: number; status: number }));
      this.workers.push({ proc, busy: false });
    }
  }

  run(args: string[], cwd: string): Promise<AnsibleResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ args, cwd, resolve, reject });
      this.dispatch();
    });
  }

  close(): void {
    for (const w of this.workers) w.proc.stdin.end();
  }

  private dispatch(): void {
    for (const [index, w] of this.workers.entries()) {
      if (w.busy || !this.queue.length) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      const out = join(this.scratch, `${id}.out`);
      const err = join(this.scratch, `${id}.err`);
      w.busy = true;
      this.waiting.set(id, { out, err, resolve: job.resolve, worker: index });
      w.proc.stdin.write(`${JSON.stringify({ id, cwd: job.cwd, args: job.args, out, err })}\n`);
    }
  }

  private answered({ id, status }: { id: number; status: number }): void {
    const job = this.waiting.get(id)!;
    this.waiting.delete(id);
    this.workers[job.worker].busy = false;
    job.resolve({ status, stdout: readFileSync(job.out, 'utf8'), stderr: readFileSync(job.err, 'utf8') });
    this.dispatch();
  }
}
