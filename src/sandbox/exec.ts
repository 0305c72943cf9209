// Thin wrapper over child_process: every external tool call goes through here so
// failures carry the command line and its stderr, and every call is time-bounded.
import { spawn } from 'node:child_process';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  allowFail?: boolean;
  log?: (line: string) => void; // stream output lines (long builds like debootstrap)
}

export interface RunResult { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    const partial = { out: '', err: '' };
    const onData = (chunk: Buffer, sink: 'out' | 'err') => {
      const text = chunk.toString();
      if (sink === 'out') stdout += text; else stderr += text;
      if (!opts.log) return;
      const lines = (partial[sink] + text).split('\n');
      partial[sink] = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.log(l);
    };
    child.stdout?.on('data', (c: Buffer) => onData(c, 'out'));
    child.stderr?.on('data', (c: Buffer) => onData(c, 'err'));
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', (err) => { clearTimeout(timer); reject(new Error(`${cmd}: ${err.message}`)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (res.code !== 0 && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}): ${stderr.trim() || stdout.trim()}`));
      } else resolve(res);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE if the tool exits early; its exit code tells
      child.stdin.end(opts.input);
    }
  });
}

export async function which(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', `command -v ${cmd}`], { allowFail: true });
  return r.code === 0;
}
