import * as z from 'zod';
import { inventorySchema } from './inventory.js';
import { commonTaskKeys, playSchema } from './playbook.js';
import type { TaskType } from './task-type.js';
import { allTaskTypes } from '../tasks/index.js';

/**
 * Reference docs and editor schemas, generated from the zod schemas: the task
 * modules are the one source of truth, so docs cannot drift from the code.
 */
type JsonSchema = { type?: string | string[]; description?: string; default?: unknown; enum?: unknown[]; anyOf?: JsonSchema[]; items?: JsonSchema; properties?: Record<string, JsonSchema>; required?: string[]; const?: unknown; [k: string]: unknown };

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The object variant of a task's arguments (some tasks also accept a shorthand string). */
function argumentObject(t: TaskType): JsonSchema {
  const s = jsonSchemaOf(t.schema);
  if (s.properties) return s;
  return s.anyOf?.find((v) => v.properties) ?? s;
}

function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return [...new Set(s.anyOf.map(typeName))].join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeName(s.items) : 'any'}`;
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  if (s.type === 'object') return 'mapping';
  return s.type ?? 'any';
}

export interface FieldDoc {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

export function fieldsOf(t: TaskType): FieldDoc[] {
  const s = argumentObject(t);
  return Object.entries(s.properties ?? {}).map(([name, f]) => ({
    name,
    type: typeName(f),
    required: s.required?.includes(name) ?? false,
    default: f.default,
    description: f.description ?? '',
  }));
}

/** One task type as markdown: summary, description, fields, example. */
export function taskMarkdown(t: TaskType): string {
  const s = jsonSchemaOf(t.schema);
  const rows = fieldsOf(t).map((f) => `| \`${f.name}\` | ${f.type} | ${f.required ? 'yes' : f.default !== undefined ? `default \`${JSON.stringify(f.default)}\`` : 'no'} | ${f.description.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  return [
    `### \`${t.name}\``,
    '',
    s.description ?? t.summary,
    '',
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Example:',
    '',
    '```yaml',
    t.example.trimEnd(),
    '```',
    '',
  ].join('\n');
}

export function tasksMarkdown(): string {
  const common = Object.entries(commonTaskKeys).map(([k, v]) => `| \`${k}\` | ${(v as z.ZodType).description ?? ''} |`);
  return [
    'Every task has one task-type key with its arguments, and optionally:',
    '',
    '| key | meaning |',
    '|---|---|',
    ...common,
    '',
    `A registered result (\`register: NAME\`) holds ${Object.keys(REGISTERED_FIELDS).map((k) => `\`${k}\``).join(', ')}, and the task type's own fields (command: ${Object.keys(allTaskTypes().find((t) => t.name === 'command')?.resultFields ?? {}).map((k) => `\`${k}\``).join(', ')}); a loop's result holds each item's under \`results\`.`,
    '',
    ...allTaskTypes().map(taskMarkdown),
  ].join('\n');
}

/** Plain-text listing for `provision tasks`. */
export function tasksListing(): string {
  const width = Math.max(...allTaskTypes().map((t) => t.name.length));
  return allTaskTypes()
    .map((t) => `${t.name.padEnd(width)}  ${t.summary}`)
    .join('\n');
}

/** What every task's registered result holds; task types add their own fields (TaskType.resultFields). */
export const REGISTERED_FIELDS: Record<string, string> = {
  changed: 'whether the task changed the host (in check mode: would change)',
  failed: 'whether the task failed (with ignore_errors or in a rescued block)',
  skipped: 'true when its when: was false',
  msg: 'what was done, or the error',
};

/** Plain-text reference of one task for `provision tasks NAME`. */
export function taskHelp(t: TaskType): string {
  const fields = fieldsOf(t).map((f) => {
    const req = f.required ? ' (required)' : f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : '';
    return `  ${f.name}: ${f.type.replace(/\\\|/g, '|')}${req}\n      ${f.description}`;
  });
  const registered = Object.entries({ ...REGISTERED_FIELDS, ...t.resultFields }).map(([k, v]) => `  ${k}: ${v}`);
  return [`${t.name}: ${jsonSchemaOf(t.schema).description ?? t.summary}`, '', 'Fields:', ...fields, '', 'Registered result (register: NAME):', ...registered, '', 'Example:', t.example.replace(/^/gm, '  ')].join('\n');
}

/** JSON Schema for playbooks: plays whose tasks are exactly one known task type plus common keys. */
export function playbookJsonSchema(): JsonSchema {
  const common = Object.fromEntries(Object.entries(commonTaskKeys).map(([k, v]) => [k, jsonSchemaOf(v as z.ZodType)]));
  for (const v of Object.values(common)) delete v.$schema;
  const task: JsonSchema = {
    oneOf: allTaskTypes().map((t) => {
      const args = jsonSchemaOf(t.schema);
      delete args.$schema;
      return { type: 'object', properties: { ...common, [t.name]: args }, required: [t.name], additionalProperties: false, description: t.summary };
    }),
  };
  const play = jsonSchemaOf(playSchema);
  delete play.$schema;
  play.properties!.tasks = { type: 'array', items: task, description: play.properties!.tasks?.description };
  play.properties!.handlers = { type: 'array', items: task, description: play.properties!.handlers?.description };
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'provision playbook', anyOf: [{ type: 'array', items: play }, play] };
}

export function inventoryJsonSchema(): JsonSchema {
  return { title: 'provision inventory', ...jsonSchemaOf(inventorySchema) };
}
