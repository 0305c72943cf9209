import { randomBytes } from 'node:crypto';
import type { Client } from 'ssh2';
import type { Secret } from '../secret.js';
import type { ExecResult } from './client.js';

/**
 * A script run as root through `sudo` with a password, without ever putting
 * the password where something other than sudo could read it.
 *
 * `sudo -S` reads a password from stdin only when it needs one: with cached
 * credentials or a NOPASSWD rule it reads nothing, and a password written
 * ahead of the script would be run by the shell as a command. So nothing is
 * written ahead: sudo runs `echo MARKER; exec sh -s` with its own prompt
 * string. When that prompt shows on stderr, the password is written, once;
 * when the marker shows on stdout, root's shell is running and only then is
 * the script written. A second prompt means the password was wrong: stdin is
 * closed at once (sudo gives up) and the result says so. Neither a prompt nor
 * the marker within `startTimeoutMs`: the command is closed, never left waiting.
 */
export function sudoScriptWithPassword(client: Client, password: Secret, script: string, user: string, startTimeoutMs = 30_000): Promise<ExecResult> {
  const nonce = randomBytes(8).toString('hex');
  const prompt = `[provision-sudo-${nonce}]`;
  const marker = `PROVISION-ROOT-${nonce}\n`;
  const command = `sudo -S -p '${prompt}' -H -- sh -c 'echo PROVISION-ROOT-${nonce}; exec sh -s'`;
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let exitCode: number | null = null;
        let started = false;
        let prompts = 0;
        let wrong = false;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          channel.close();
        }, startTimeoutMs);
        channel.on('data', (d: Buffer) => {
          out.push(d);
          if (started) return;
          if (markerEnd(Buffer.concat(out).toString('utf8'), marker) >= 0) {
            started = true;
            clearTimeout(timer);
            channel.end(script);
          }
        });
        channel.stderr.on('data', (d: Buffer) => {
          errOut.push(d);
          if (started || wrong) return;
          const seen = Buffer.concat(errOut).toString('utf8').split(prompt).length - 1;
          if (seen > prompts) {
            prompts = seen;
            if (prompts === 1) {
              channel.write(`${password.reveal()}\n`);
            } else {
              wrong = true;
              clearTimeout(timer);
              channel.end();
              setTimeout(() => channel.close(), 2_000).unref();
            }
          }
        });
        channel.on('exit', (code: number | null) => (exitCode = typeof code === 'number' ? code : null));
        channel.on('close', () => {
          clearTimeout(timer);
          let stdout = Buffer.concat(out).toString('utf8');
          if (started) stdout = stdout.slice(markerEnd(stdout, marker));
          const stderr = Buffer.concat(errOut).toString('utf8').split(prompt).join('');
          if (wrong) {
            resolve({ stdout: '', stderr: `sudo: incorrect password for ${user} (the become password was refused)\n`, exitCode: exitCode || 1 });
          } else if (timedOut && !started) {
            resolve({ stdout: '', stderr: `sudo neither asked for the password nor started within ${startTimeoutMs / 1000} s${stderr.trim() ? `; it said: ${stderr.trim()}` : ''}\n`, exitCode: exitCode || 1 });
          } else {
            resolve({ stdout, stderr, exitCode });
          }
        });
      });
    } catch (err) {
      reject(err);
    }
  });
}

/** Where the output after the marker line starts (-1: not seen yet); a login shell may print before it. */
function markerEnd(text: string, marker: string): number {
  if (text.startsWith(marker)) return marker.length;
  const i = text.indexOf(`\n${marker}`);
  return i < 0 ? -1 : i + 1 + marker.length;
}
