import * as z from 'zod';
import { containsUnknown, evaluateCondition, expressionNames, isUnknown } from '../src/expr/index.js';
import { nothingToDo } from '../src/plan.js';
import { isSecret, redact, shownText as shown, type Secret } from '../src/secret.js';
import { defineTask } from '../src/task-type.js';
import { lookup } from '../src/template.js';
import { textOrSecret } from './secret-text.js';

/**
 * Tasks that never touch the host: what they do is decided from their
 * arguments and the variables in scope (registered results, host facts).
 * No facts, no plan: the runner calls `control`.
 */
const noHost = { facts: () => ({}), plan: () => nothingToDo('nothing on the host') };

const conditionList = z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]);

export const debug = defineTask({
  name: 'debug',
  summary: 'Show a message or a variable in the output (never touches the host).',
  schema: z
    .strictObject({
      msg: z.unknown().optional().describe('What to show (a template: "{{ out.stdout }}").'),
      var: z.string().optional().describe('A variable to show, by name (`out.stdout_lines`).'),
    })
    .refine((a) => a.msg === undefined || a.var === undefined, 'give msg or var, not both')
    .describe('Shows a message or a variable; secrets stay masked.'),
  example: `- name: Show the release
  debug: { msg: "{{ ansible_distribution }} {{ ansible_distribution_release }}" }`,
  ...noHost,
  resultFields: { VAR: "with var: the variable's value, under its name (`VARIABLE IS NOT DEFINED!` when it is not), instead of msg" },
  reads: (raw) => (raw && typeof raw === 'object' && typeof (raw as { var?: unknown }).var === 'string' ? [String((raw as { var: string }).var).split(/[.[]/)[0]] : []),
  control(a, vars) {
    if (a.var !== undefined) {
      let value: unknown;
      try {
        value = lookup(vars, a.var);
      } catch {
        return { failed: false, message: `${a.var}: ${NOT_DEFINED}`, registers: { [a.var]: NOT_DEFINED } };
      }
      return { failed: false, message: `${a.var}: ${show(value)}`, unknown: containsUnknown(value), registers: { [a.var]: value } };
    }
    const msg = a.msg ?? 'Hello world!';
    return { failed: false, message: show(msg), unknown: containsUnknown(msg), registers: { msg } };
  },
});

/** What Ansible's debug says (and registers) for a variable that is not defined. */
const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

export const fail = defineTask({
  name: 'fail',
  summary: 'Fail the host with a message (with `when:`, a check of your own).',
  schema: z.union([z.null().transform(() => ({}) as { msg?: string | Secret }), z.strictObject({ msg: textOrSecret.optional().describe('Why the host fails (a secret in it shows as ********).') })]).describe('Fails the host with a message.'),
  example: `- name: TLS needs an address for expiry notices
  when: tls_mode == "acme" and not acme_email
  fail: { msg: "set acme_email for tls_mode acme" }`,
  ...noHost,
  control: (a) => {
    const msg = a.msg ?? 'Failed as requested from task';
    return { failed: true, message: shown(msg), registers: { msg } };
  },
});

export const assert = defineTask({
  name: 'assert',
  summary: 'Fail the host unless every condition holds.',
  schema: z
    .strictObject({
      that: conditionList.describe('Condition(s), as in `when:`; all must hold.'),
      fail_msg: textOrSecret.optional().describe('Said when one does not hold.'),
      msg: textOrSecret.optional().describe("Ansible's older name for fail_msg."),
      success_msg: textOrSecret.optional().describe('Said when all hold.'),
      quiet: z.boolean().optional().describe('Say nothing when all hold.'),
    })
    .describe('Checks conditions; fails the host when one does not hold.'),
  example: `- name: A supported release
  assert:
    that: ansible_distribution_release in ["bookworm", "trixie"]
    fail_msg: "Debian 12 or 13 only"`,
  ...noHost,
  resultFields: { assertion: 'when it fails: the condition that did not hold (as Ansible registers it)', evaluated_to: 'when it fails: false' },
  reads(raw) {
    const that = raw && typeof raw === 'object' ? (raw as { that?: unknown }).that : undefined;
    const list = Array.isArray(that) ? that : that === undefined ? [] : [that];
    return list.flatMap((c) => {
      try {
        return expressionNames(c as string | boolean);
      } catch {
        return [];
      }
    });
  },
  control(a, vars) {
    const list = Array.isArray(a.that) ? a.that : [a.that];
    for (const c of list) {
      const ok = evaluateCondition(c, vars);
      if (isUnknown(ok)) return { failed: false, message: `${String(c)}: unknown in check mode`, unknown: true };
      // Ansible's assert registers the condition that failed and its value besides the message.
      const failMsg = a.fail_msg ?? a.msg;
      if (!ok) return { failed: true, message: shown(failMsg ?? `Assertion failed: ${String(c)}`), registers: { msg: failMsg ?? 'Assertion failed', assertion: c, evaluated_to: false } };
    }
    const successMsg = a.success_msg ?? 'All assertions passed';
    return { failed: false, message: a.quiet ? '' : shown(successMsg), registers: { msg: successMsg } };
  },
});

export const meta = defineTask({
  name: 'meta',
  summary: 'Engine actions: `meta: flush_handlers` runs the notified handlers now.',
  schema: z.enum(['flush_handlers', 'noop']).describe('flush_handlers: run notified handlers here, not only at the end of the play.'),
  example: `- meta: flush_handlers`,
  ...noHost,
  control: (a) => ({ failed: false, message: a, flushHandlers: a === 'flush_handlers' }),
});

function show(value: unknown): string {
  if (isUnknown(value)) return '(unknown in check mode)';
  if (isSecret(value)) return shown(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v) => (isUnknown(v) ? '(unknown in check mode)' : v));
  return redact(text ?? String(value));
}
