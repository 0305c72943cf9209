import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { schemaErrors } from '../schema-errors.js';
import { Secret } from '../secret.js';
import type { YamlSource } from '../yaml-source.js';

/**
 * A role's `meta/argument_specs.yml` in Ansible's format: per entry point (`main`,
 * or a tasks_from name) its options with type, required, default, choices and
 * elements. provision checks them before any host is touched (Ansible runs the
 * check as the role's first task), with the conversions Ansible's validator
 * accepts: "8080" is an int, "yes" a bool, "a,b" a list.
 */
const OPTION_TYPES = ['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw'] as const;
type OptionType = (typeof OPTION_TYPES)[number];

const optionSpec = z
  .object({
    type: z.enum(OPTION_TYPES).default('str'),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
    choices: z.array(z.unknown()).optional(),
    elements: z.enum(OPTION_TYPES).optional(),
    description: z.unknown().optional(),
  })
  .passthrough();
const entrySpec = z.object({ options: z.record(z.string(), optionSpec).default({}) }).passthrough();
const specsFile = z.object({ argument_specs: z.record(z.string(), entrySpec.nullable()).default({}) }).passthrough();

export type OptionSpec = z.infer<typeof optionSpec>;
export type EntrySpecs = Record<string, Record<string, OptionSpec>>;

/** The entry points' options of an argument_specs file (or meta/main's `argument_specs:`); problems are reported at their line. */
export function parseArgumentSpecs(source: YamlSource, report: (e: ConfigError) => void): EntrySpecs {
  const parsed = specsFile.safeParse(source.data ?? {});
  if (!parsed.success) {
    schemaErrors(parsed.error, source, [], []).forEach(report);
    return {};
  }
  return Object.fromEntries(Object.entries(parsed.data.argument_specs).map(([entry, spec]) => [entry, spec?.options ?? {}]));
}

/**
 * What is wrong with the values a role gets, one message per option; empty when
 * nothing is. `lookup` gives a variable's value as the role's first task sees it
 * (undefined when no level defines it).
 */
export function argumentProblems(options: Record<string, OptionSpec>, lookup: (name: string) => unknown): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    const value = lookup(name);
    if (value === undefined) {
      if (spec.required) problems.push(`"${name}" is required`);
      continue;
    }
    const typed = convert(value, spec.type);
    if (typed === INVALID) {
      problems.push(`"${name}" must be of type ${spec.type}, got ${describe(value)}`);
      continue;
    }
    if (spec.type === 'list' && spec.elements) {
      const bad = (typed as unknown[]).findIndex((e) => convert(e, spec.elements!) === INVALID);
      if (bad >= 0) {
        problems.push(`"${name}" must be a list of ${spec.elements}, item ${bad} is ${describe((typed as unknown[])[bad])}`);
        continue;
      }
    }
    if (spec.choices && !(Array.isArray(typed) ? typed : [typed]).every((v) => spec.choices!.some((c) => String(c) === String(v)))) {
      problems.push(`"${name}" must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(value)}`);
    }
  }
  return problems;
}

const INVALID = Symbol('invalid');

const TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE = ['n', 'no', 'off', '0', 'false', 'f'];

/** Ansible's check_type_* conversions (module_utils/common/validation.py), or INVALID. */
function convert(value: unknown, type: OptionType): unknown {
  const v = value instanceof Secret ? value.reveal() : value;
  switch (type) {
    case 'raw':
      return v;
    case 'str':
    case 'path':
      // Ansible converts any value to its string (with a warning).
      return typeof v === 'string' ? v : String(v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'boolean') return Number(v);
      if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
      return INVALID;
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      return INVALID;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if ((typeof v === 'string' || typeof v === 'number') && TRUE.includes(String(v).toLowerCase())) return true;
      if ((typeof v === 'string' || typeof v === 'number') && FALSE.includes(String(v).toLowerCase())) return false;
      return INVALID;
    case 'list':
      if (Array.isArray(v)) return v;
      if (typeof v === 'string') return v.split(',');
      if (typeof v === 'number') return [String(v)];
      return INVALID;
    case 'dict':
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      return INVALID;
  }
}

function describe(v: unknown): string {
  if (v instanceof Secret) return 'a secret value';
  if (Array.isArray(v)) return 'a list';
  if (v && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}
