import { describe, expect, it } from 'vitest';
import type { FileState } from '../../../src/facts.js';
import type { Plan } from '../../../src/plan.js';
import type { PlanContext, TaskType } from '../../../src/task-type.js';
import { getTaskType } from '../../../tasks/index.js';

/**
 * A command skipped by creates/removes: what it registers besides changed and
 * failed, in a run and in check mode (Ansible's command module's words,
 * test/oracle/command-skipped.test.ts compares them with ansible-playbook).
 */
const ctx: PlanContext = { host: 'web1', sshPort: 22 };
const command = getTaskType('command') as TaskType;
const plan = (args: unknown, facts: Record<string, FileState>): Plan => command.plan(command.schema.parse(args), facts as never, ctx);
const there: FileState = { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: 0, sha256: '' };
const absent: FileState = { exists: false };
const TROUBLESOME = `/srv/it's "a" \`id\` u@h:x #c y`;

const skippedBy = (path: string, since: string, verb: string) => {
  const stdout = `skipped, since ${path} ${since}`;
  return { msg: `${verb} not run command since '${path}' ${since}`, rc: 0, stdout, stderr: '', stdout_lines: [stdout], stderr_lines: [] };
};

describe('command skipped by creates/removes: the registered result', () => {
  it.each([
    ['nothing to do: creates exists', { cmd: 'make', creates: '/bin/app' }, { creates: there }, ['/bin/app', 'exists']],
    ['nothing to do: removes does not exist', { cmd: 'make', removes: '/tmp/x' }, { removes: absent }, ['/tmp/x', 'does not exist']],
    ['creates first when both skip', { cmd: 'make', creates: '/a', removes: '/b' }, { creates: there, removes: absent }, ['/a', 'exists']],
    ['removes when creates is absent', { argv: ['rm', '/b'], creates: '/a', removes: '/b' }, { creates: absent, removes: absent }, ['/b', 'does not exist']],
    ['a path with quotes, backticks, @, :, #, spaces: as written', { cmd: 'make', creates: TROUBLESOME }, { creates: there }, [TROUBLESOME, 'exists']],
    ['runs: creates absent, nothing registered for a skip', { cmd: 'make', creates: '/bin/app' }, { creates: absent }, undefined],
    ['runs: removes exists', { cmd: 'make', removes: '/tmp/x' }, { removes: there }, undefined],
    ['runs: neither given', { cmd: 'make' }, {}, undefined],
  ] as [string, unknown, Record<string, FileState>, [string, string] | undefined][])('%s', (_, args, facts, skip) => {
    const p = plan(args, facts);
    if (!skip) {
      expect(p.changes).toHaveLength(1);
      expect(p.okResult).toBeUndefined();
      return;
    }
    expect(p.changes).toEqual([]);
    expect(p.ok).toBe(skip.join(' '));
    expect(p.okResult).toEqual({ run: skippedBy(skip[0], skip[1], 'Did'), check: skippedBy(skip[0], skip[1], 'Would') });
  });

  it.each([
    ['creates with *', { cmd: 'make', creates: '/opt/app/*.jar' }, 'creates'],
    ['removes with ?', { cmd: 'make', removes: '/tmp/lock?' }, 'removes'],
    ['creates with [', { cmd: 'make', creates: '/srv/[ab]' }, 'creates'],
    ['creates with $HOME', { cmd: 'make', creates: '/srv/$HOME/x' }, 'creates'],
    ['removes with ${X}', { cmd: 'make', removes: '/srv/${X}' }, 'removes'],
  ])('a path Ansible would read otherwise (a glob, a $VARIABLE) is refused: %s', (_, args, field) => {
    const r = command.schema.safeParse(args);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(field);
    expect(JSON.stringify(r.error?.issues)).toMatch(/glob pattern|expands \$VARIABLES/);
  });
});
