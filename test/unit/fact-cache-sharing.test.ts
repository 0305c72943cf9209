import { describe, expect, it } from 'vitest';
import type { CompiledTask } from '../../src/task-expand.js';
import { FactCache } from '../../src/run/fact-cache.js';
import type { HostConnection } from '../../src/ssh/connection.js';
import type { PlanContext, TaskType } from '../../src/task-type.js';
import { fact } from '../../src/facts.js';
import { template } from '../../tasks/template.js';

// The connection is never used by factsOf: it only names what each host's planner reads.
const conn = { name: 'h', user: 'root' } as unknown as HostConnection;
const ctx = (host: string, sshPort = 22): PlanContext => ({ host, sshPort });
const execution = (type: TaskType, args: unknown): CompiledTask => ({ name: 't', type, args, notify: [], tags: [], become: false, where: { file: 'p.yaml' } });

describe('FactCache.factsOf: facts asked of the task type once for arguments shared by many hosts', () => {
  it('two hosts with the same (shared) arguments of a type that takes no context get one set of facts', () => {
    const args = { dest: '/etc/app.conf', content: 'x\n' };
    const a = new FactCache(conn, ctx('web1')).factsOf(execution(template, args));
    const b = new FactCache(conn, ctx('web2')).factsOf(execution(template, args));
    expect(b).toBe(a);
    expect(Object.values(a).map((f) => f.key)).toEqual(['file:/etc/app.conf']);
  });

  it('equal but separate arguments (not shared by compile) are asked again, with the same answer', () => {
    const a = new FactCache(conn, ctx('web1')).factsOf(execution(template, { dest: '/a', content: '' }));
    const b = new FactCache(conn, ctx('web2')).factsOf(execution(template, { dest: '/a', content: '' }));
    expect(b).not.toBe(a);
    expect(b.dest.key).toBe(a.dest.key);
    expect(b.dest.script).toBe(a.dest.script);
  });

  it('a type whose facts read the context is asked per host, and each host gets its own', () => {
    const byPort: TaskType = {
      ...template,
      name: 'by_port',
      facts: (_a: unknown, c: PlanContext) => ({ port: fact(`port:${c.sshPort}`, 'true', () => c.sshPort) }),
    } as TaskType;
    const args = { dest: '/x' };
    const a = new FactCache(conn, ctx('web1', 22)).factsOf(execution(byPort, args));
    const b = new FactCache(conn, ctx('web2', 2222)).factsOf(execution(byPort, args));
    expect(a.port.key).toBe('port:22');
    expect(b.port.key).toBe('port:2222');
  });

  it('nothing to do: a task with no facts gets an empty set', () => {
    const none: TaskType = { ...template, name: 'none', facts: () => ({}) } as TaskType;
    expect(new FactCache(conn, ctx('web1')).factsOf(execution(none, { a: 1 }))).toEqual({});
  });
});
