import * as z from 'zod';
import { fileFact, unitFact, type FileState, type UnitState } from '../src/facts.js';
import { planFile } from '../src/file-plan.js';
import { nothingToDo, type Change, type Plan, type Step } from '../src/plan.js';
import { unitName } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';
import { srcTemplateReads } from './template.js';

/** Where administrator-written units live; they take precedence over packaged ones in /usr/lib/systemd/system. */
export const UNIT_DIR = '/etc/systemd/system';

const NO_NEWLINE = (v: string): boolean => !/[\n\r\0]/.test(v);

const unitScalar = z.union([
  z
    .string()
    .refine(NO_NEWLINE, 'a unit file value may not contain a newline (it would start a new line of the file)')
    .refine((v) => !v.endsWith('\\'), 'a unit file value may not end with "\\" (systemd would join it with the next line)'),
  z.number().refine(Number.isFinite, 'expected a finite number'),
  z.boolean(),
]);

const unitValue = z.union([unitScalar, z.array(unitScalar)]);

const unitKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a unit file key such as "ExecStart" (letters, digits, "_", "-")');

const section = (name: string) =>
  z
    .record(unitKey, unitValue)
    .optional()
    .describe(`The [${name}] section: key → value. A number or boolean (written yes/no) is fine; a list repeats the key, in order (an empty string "" first resets a list setting such as ExecStart).`);

/** Sections in the order they are written; the type sections apply to their unit type only. */
const SECTIONS = [
  ['unit', 'Unit', null],
  ['service', 'Service', 'service'],
  ['socket', 'Socket', 'socket'],
  ['timer', 'Timer', 'timer'],
  ['path', 'Path', 'path'],
  ['mount', 'Mount', 'mount'],
  ['automount', 'Automount', 'automount'],
  ['swap', 'Swap', 'swap'],
  ['slice', 'Slice', 'slice'],
  ['install', 'Install', null],
] as const;

type SectionKey = (typeof SECTIONS)[number][0];
type SectionMap = Record<string, z.infer<typeof unitValue>>;

const schema = z
  .strictObject({
    name: unitName.describe('The unit file name, with its type: "rocktalk.service", "backup.timer". Written to /etc/systemd/system/NAME.'),
    unit: section('Unit'),
    service: section('Service'),
    socket: section('Socket'),
    timer: section('Timer'),
    path: section('Path'),
    mount: section('Mount'),
    automount: section('Automount'),
    swap: section('Swap'),
    slice: section('Slice'),
    install: section('Install'),
    content: z.string().optional().describe('The whole unit file, verbatim (instead of sections).'),
    src: z.string().min(1).optional().describe('A handlebars template for the unit file, looked up under templates/ beside the playbook (instead of sections).'),
    enabled: z.boolean().optional().describe('Start at boot (systemctl enable/disable). Enabling needs an [Install] section, e.g. install: { WantedBy: multi-user.target }. Unset: leave as is.'),
    state: z.enum(['started', 'stopped']).optional().describe('Whether the unit runs now. Unset: leave as is.'),
    restart_on_change: z.boolean().default(true).describe('When the unit file changes and the unit is running (and not being stopped), restart it so the change takes effect.'),
  })
  .superRefine((a, ctx) => {
    const given = SECTIONS.filter(([k]) => a[k] !== undefined).map(([k]) => k);
    const sources = [given.length > 0, a.content !== undefined, a.src !== undefined].filter(Boolean).length;
    if (sources !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of: sections (unit/service/install…), content, or src', path: [] });
    if (given.length > 0 && a.enabled === true && a.install === undefined) {
      ctx.addIssue({ code: 'custom', message: 'enabled: true needs an install section (e.g. install: { WantedBy: multi-user.target }); without one systemctl enable does nothing', path: ['enabled'] });
    }
    const type = a.name.slice(a.name.lastIndexOf('.') + 1);
    for (const [key, , forType] of SECTIONS) {
      if (forType && a[key] !== undefined && forType !== type) ctx.addIssue({ code: 'custom', message: `a [${key[0].toUpperCase()}${key.slice(1)}] section belongs in a .${forType} unit, not a .${type} unit`, path: [key] });
    }
  })
  .describe('Writes a systemd unit file (from sections, inline content or a template), reloads systemd when it changed, and sets the unit enabled/started.');

export type SystemdUnitArgs = z.infer<typeof schema> & { /** Rendered from src by resolveLocal. */ rendered?: string };

function renderScalar(v: z.infer<typeof unitScalar>): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/**
 * Sections → unit file text. Byte-identical for the same arguments: sections in
 * a fixed order, keys in the order given, one blank line between sections.
 */
export function renderUnit(a: Partial<Record<SectionKey, SectionMap>>): string {
  const blocks: string[] = [];
  for (const [key, title] of SECTIONS) {
    const s = a[key];
    if (s === undefined) continue;
    const lines = [`[${title}]`];
    for (const [k, v] of Object.entries(s)) for (const item of Array.isArray(v) ? v : [v]) lines.push(`${k}=${renderScalar(item)}`);
    blocks.push(lines.join('\n'));
  }
  return `# Managed by provision: changes made here are overwritten.\n${blocks.join('\n\n')}\n`;
}

export function unitContent(a: SystemdUnitArgs): string {
  if (a.content !== undefined) return a.content;
  if (a.rendered !== undefined) return a.rendered;
  if (a.src !== undefined) throw new Error(`the template ${a.src} was not rendered`);
  return renderUnit(a);
}

const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'alias', 'linked', 'linked-runtime']);

export function planUnit(a: SystemdUnitArgs, facts: { file: FileState; unit: UnitState }): Plan {
  const path = `${UNIT_DIR}/${a.name}`;
  const content = unitContent(a);
  const changes: Change[] = [];
  const { unit } = facts;

  if (a.enabled === true && !/^\s*\[Install\]\s*$/m.test(content)) {
    throw new Error(`enabled: true needs an [Install] section in ${a.name} (e.g. install: { WantedBy: multi-user.target }); without one systemctl enable does nothing`);
  }

  const fileChange = planFile({ path, content, mode: '0644', owner: 'root', group: 'root' }, facts.file);
  const contentChanged = !!fileChange?.steps.some((s) => s.kind === 'write');
  const wasEnabled = ENABLED_STATES.has(unit.unitFileState);
  if (fileChange) {
    const steps: Step[] = [...fileChange.steps];
    if (contentChanged) {
      steps.push({ kind: 'run', command: cmd('systemctl', 'daemon-reload') });
      // Re-create the enablement links from the new [Install] section (WantedBy may have changed).
      if (wasEnabled && a.enabled !== false) steps.push({ kind: 'run', command: cmd('systemctl', 'reenable', '--quiet', '--', a.name) });
    }
    changes.push({ ...fileChange, summary: contentChanged ? `${fileChange.summary}, daemon-reload` : fileChange.summary, steps });
  }

  if (a.enabled !== undefined && a.enabled !== wasEnabled && unit.unitFileState !== 'static') {
    changes.push({
      summary: `${a.enabled ? 'enable' : 'disable'} ${a.name}`,
      diff: { kind: 'text', label: `${a.name} enabled`, before: unit.unitFileState || unit.loadState, after: a.enabled ? 'enabled' : 'disabled' },
      steps: [{ kind: 'run', command: cmd('systemctl', a.enabled ? 'enable' : 'disable', '--quiet', '--', a.name) }],
    });
  }

  const active = unit.activeState === 'active' || unit.activeState === 'reloading' || unit.activeState === 'activating';
  const stateChange = (verb: 'start' | 'stop' | 'restart', summary: string): Change => ({
    summary,
    diff: { kind: 'text', label: `${a.name} state`, before: verb === 'restart' ? `${unit.activeState} (old unit file)` : unit.activeState, after: verb === 'stop' ? 'inactive' : verb === 'restart' ? 'active (restarted with the new unit file)' : 'active' },
    steps: [{ kind: 'run', command: cmd('systemctl', verb, '--', a.name) }],
  });
  if (a.state === 'started' && !active) changes.push(stateChange('start', `start ${a.name}`));
  else if (a.state === 'stopped' && active) changes.push(stateChange('stop', `stop ${a.name}`));
  else if (a.state !== 'stopped' && active && contentChanged && a.restart_on_change) changes.push(stateChange('restart', `restart ${a.name} (unit file changed)`));

  if (changes.length) return { changes };
  const parts = [`${path} is up to date`];
  if (a.enabled !== undefined) parts.push(unit.unitFileState || 'disabled');
  if (a.state !== undefined) parts.push(unit.activeState);
  return nothingToDo(parts.join(', '));
}

export const systemdUnit = defineTask({
  name: 'systemd_unit',
  summary: 'Write a systemd unit file; daemon-reload, enable and start it.',
  schema: schema as z.ZodType<SystemdUnitArgs>,
  example: `- name: RockTalk service
  systemd_unit:
    name: rocktalk.service
    unit: { Description: RockTalk Streamlit Application, After: network.target }
    service:
      User: rocktalk
      Group: rocktalk
      WorkingDirectory: /home/rocktalk
      ExecStart: /usr/bin/env rocktalk
      Restart: always
    install: { WantedBy: multi-user.target }
    enabled: true
    state: started`,
  resolveLocal: (a, local) => (a.src !== undefined ? { ...a, rendered: local.template(a.src) } : a),
  // The names the template file reads, as `template` declares them: one that reads a host fact or a
  // registered result waits for the run, and one that reads only shared variables can be shared.
  reads: srcTemplateReads,
  facts: (a) => ({ file: fileFact(`${UNIT_DIR}/${a.name}`), unit: unitFact(a.name) }),
  files: (a) => [`${UNIT_DIR}/${a.name}`],
  plan: (a, facts) => planUnit(a, facts),
});
