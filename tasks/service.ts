import * as z from 'zod';
import { unitFact } from '../src/facts.js';
import { nothingToDo, type Change } from '../src/plan.js';
import { serviceName } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

const schema = z
  .strictObject({
    name: serviceName.describe('The systemd unit, e.g. nginx or nginx.service.'),
    state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional().describe('started/stopped are idempotent; restarted/reloaded always act (use them in handlers).'),
    enabled: z.boolean().optional().describe('Start at boot.'),
    daemon_reload: z.boolean().default(false).describe('Run systemctl daemon-reload first (always reports changed).'),
  })
  .refine((a) => a.state !== undefined || a.enabled !== undefined || a.daemon_reload, 'give state, enabled or daemon_reload')
  .describe('Starts, stops, restarts, reloads, enables or disables a systemd service.');

type ServiceArgs = z.infer<typeof schema>;

export const service = defineTask({
  name: 'service',
  summary: 'systemd service state and enablement.',
  schema: schema as z.ZodType<ServiceArgs>,
  example: `- name: nginx runs and starts at boot
  service: { name: nginx, state: started, enabled: true }`,
  facts: (a) => ({ unit: unitFact(unitOf(a.name)) }),
  plan(a, { unit }) {
    const name = unitOf(a.name);
    const changes: Change[] = [];
    if (a.daemon_reload) changes.push({ summary: 'daemon-reload', steps: [{ kind: 'run', command: cmd('systemctl', 'daemon-reload') }] });
    const enabled = unit.unitFileState === 'enabled' || unit.unitFileState === 'enabled-runtime' || unit.unitFileState === 'alias';
    if (a.enabled !== undefined && a.enabled !== enabled && unit.unitFileState !== 'static') {
      changes.push({
        summary: `${a.enabled ? 'enable' : 'disable'} ${name}`,
        diff: { kind: 'text', label: `${name} enabled`, before: unit.unitFileState || 'unknown', after: a.enabled ? 'enabled' : 'disabled' },
        steps: [{ kind: 'run', command: cmd('systemctl', a.enabled ? 'enable' : 'disable', '--', name) }],
      });
    }
    const active = unit.activeState === 'active' || unit.activeState === 'reloading' || unit.activeState === 'activating';
    const act = (verb: string, summary: string): Change => ({
      summary,
      diff: { kind: 'text', label: `${name} state`, before: unit.activeState, after: verb === 'stop' ? 'inactive' : 'active' },
      steps: [{ kind: 'run', command: cmd('systemctl', verb, '--', name) }],
    });
    if (a.state === 'started' && !active) changes.push(act('start', `start ${name}`));
    if (a.state === 'stopped' && active) changes.push(act('stop', `stop ${name}`));
    if (a.state === 'restarted') changes.push(act('restart', `restart ${name}`));
    // Reloading a stopped service fails in systemd; start it instead.
    if (a.state === 'reloaded') changes.push(active ? act('reload', `reload ${name}`) : act('start', `start ${name} (was not running, so not reloaded)`));
    if (changes.length) return { changes };
    return nothingToDo(`${name} is ${unit.activeState}${a.enabled !== undefined ? `, ${unit.unitFileState}` : ''}`);
  },
});

export function unitOf(name: string): string {
  return /\.[a-z]+$/.test(name) && !name.endsWith('.d') ? name : `${name}.service`;
}
