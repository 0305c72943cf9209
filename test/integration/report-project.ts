import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeProject } from '../support/provision.js';
import { TROUBLESOME_VALUES } from '../oracle/troublesome-values.js';

/** A secret with quotes, $, backticks, @, :, /, #, % and a space: it must never show in any report. */
export const SECRET = TROUBLESOME_VALUES['every troublesome character'];

/**
 * A playbook whose run has every kind of result the reports show: ok, changed
 * with a diff, skipped, loop items, a command printing a secret, a slow step,
 * long output, and a failure (last: it stops the host).
 */
export function reportProject(): { project: string; playbook: string; work: string; lineOf: (taskName: string) => number } {
  const work = mkdtempSync(join(tmpdir(), 'provision-report-'));
  writeFileSync(join(work, 'app.conf'), 'port = 80\n');
  const playbookText = `- hosts: all
  tasks:
    - name: already there
      file: { path: ${work}, state: directory }
    - name: write the config
      copy: { dest: ${work}/app.conf, content: "port = 8080\\n" }
    - name: never on this host
      file: { path: ${work}/never, state: directory }
      when: false
    - name: store the password
      copy: { dest: ${work}/password, content: "{{ db_password }}\\n", mode: "0600" }
    - name: print the password
      command: { cmd: "cat ${work}/password" }
    - name: a loop
      file: { path: "${work}/{{ item }}", state: directory }
      loop: [one, two]
    - name: slow step
      command: { cmd: "sleep 2" }
    - name: long output
      command: { cmd: "head -c 10000 /dev/zero | tr '\\\\0' x" }
    - name: this one fails
      command: { cmd: "echo to-stdout; echo 'boom: a, b' >&2; exit 3" }
`;
  const project = writeProject({ 'site.yaml': playbookText, 'secrets.yaml': `db_password: !secret ${JSON.stringify(SECRET)}\n` });
  const lines = readFileSync(join(project, 'site.yaml'), 'utf8').split('\n');
  const lineOf = (name: string): number => lines.findIndex((l) => l.includes(`name: ${name}`)) + 1;
  return { project, playbook: join(project, 'site.yaml'), work, lineOf };
}
