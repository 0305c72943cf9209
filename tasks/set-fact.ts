import * as z from 'zod';
import { TREATMENT } from '../src/connection-vars.js';
import { boolean } from '../src/expr/ansible-boolean.js';
import { nothingToDo } from '../src/plan.js';
import { defineTask } from '../src/task-type.js';

/**
 * Ansible's set_fact: variables for this host from now on in the run, at the
 * level of registered results (above play, block and task vars, below -e),
 * across the plays after it. Never touches the host, so it runs in check mode
 * too. The runner keeps what `control` returns in `facts` with the host's
 * registered results (Ansible keeps both in one place: a later register of the
 * same name replaces a set_fact, and the other way round).
 */

/** Ansible's isidentifier for a variable name (ASCII: Python 3 identifiers, keywords aside, which a YAML key rarely is). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The one argument that is no variable: Ansible's request to keep the facts in its fact cache too (provision has none: README). */
const CACHEABLE = 'cacheable';

/** The strings Ansible's set_fact turns into booleans (without jinja2_native, its default); `on`, `1`... stay strings. */
const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, false: false, no: false };

const schema = z
  .object(
    { [CACHEABLE]: z.union([z.boolean(), z.string()]).optional().describe("Ansible's: also store the facts in its fact cache. Accepted and without effect: provision has no fact cache (see README, set_fact).") },
    { error: 'set_fact takes a mapping of variable names to values (`set_fact: { name: value }`); the `name=value` form is not read' },
  )
  .catchall(z.unknown())
  .superRefine((args, ctx) => {
    for (const key of Object.keys(args)) {
      if (key === CACHEABLE) {
        if (boolean(args[key]) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'cacheable takes a boolean (yes/no, true/false)' });
        continue;
      }
      if (isConnectionVariable(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is a connection variable: provision opens one connection per host before any task runs, so a value set during the run would not be used; set it in the inventory (host or group vars) or with -e` });
        continue;
      }
      if (!NAME.test(key)) {
        const why = key.includes('{{') ? ' (a templated variable name is not read: name the variable as written)' : '';
        ctx.addIssue({ code: 'custom', path: [key], message: `The variable name '${key}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores${why}` });
      }
    }
    if (factNames(args).length === 0) ctx.addIssue({ code: 'custom', message: 'No key/value pairs provided, at least one is required for this action to succeed' });
  })
  .describe(
    "Sets variables for this host, from here to the end of the run (the plays after this one too), at the level of registered results: above play, block and task vars and the inventory, below -e. Values are rendered with the task's variables (loop item, registered results, facts) and keep their type. Every key but `cacheable` is a variable's name (letters, digits, `_`; not a connection variable such as `ansible_user`), its value any YAML value or template. Never touches the host; runs in check mode too, reported ok.",
  );

export const setFact = defineTask({
  name: 'set_fact',
  summary: 'Set variables for the host for the rest of the run (never touches the host).',
  schema,
  example: `- name: Where the app lives
  set_fact:
    app_root: "/srv/{{ domain }}"
    app_ports: [8080, 8081]`,
  facts: () => ({}),
  plan: () => nothingToDo('nothing on the host'),
  defines: (raw) => (raw && typeof raw === 'object' && !Array.isArray(raw) ? factNames(raw as Record<string, unknown>).filter((k) => NAME.test(k)) : []),
  resultFields: { ansible_facts: "the variables it set, by name (as Ansible's set_fact registers them)" },
  control: (args) => {
    const facts = factValues(args);
    // Ansible's set_fact registers only the variables it set (no msg).
    return { failed: false, message: `set ${Object.keys(facts).join(', ')}`, facts, registers: { ansible_facts: facts } };
  },
});

/**
 * Ansible reads these again for every task (another user, port or sudo from the
 * next task on); provision reads them once, before the run, so it refuses to
 * set them rather than connect differently from what the playbook says.
 */
function isConnectionVariable(name: string): boolean {
  return Object.hasOwn(TREATMENT, name) || name === 'provision_lock_file';
}

function factNames(args: Record<string, unknown>): string[] {
  return Object.keys(args).filter((k) => k !== CACHEABLE);
}

/**
 * The variables as Ansible's set_fact stores them: a value that is the string
 * true/false/yes/no (any case, after rendering) becomes a boolean (Ansible does
 * this without jinja2_native, its default); every other value as rendered.
 */
export function factValues(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of factNames(args)) {
    const v = args[k];
    // A Secret is no string: its text, whatever it is, stays secret.
    out[k] = typeof v === 'string' && Object.hasOwn(BOOLEAN_WORDS, v.toLowerCase()) ? BOOLEAN_WORDS[v.toLowerCase()] : v;
  }
  return out;
}
