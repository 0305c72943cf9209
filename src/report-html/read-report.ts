import * as z from 'zod';
import { ConfigErrors } from '../errors.js';
import type { RunReport } from '../report.js';
import { schemaErrors } from '../schema-errors.js';
import { YamlSource } from '../yaml-source.js';

const count = z.number().int().min(0);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date and time');

const task = z.object({
  name: z.string(),
  play: z.string(),
  type: z.string(),
  handler: z.boolean(),
  status: z.enum(['ok', 'changed', 'skipped', 'failed']),
  changed: z.boolean(),
  simulated: z.boolean(),
  item: z.string().optional(),
  handled: z.enum(['rescued', 'ignored']).optional(),
  unknown: z.boolean().optional(),
  message: z.string(),
  diff: z.string().nullable(),
  where: z.string().optional(),
  startedAt: iso,
  endedAt: iso,
  durationMs: count,
  stdout: z.string().optional(),
  stderr: z.string().optional(),
});

const reportSchema = z.object({
  version: z.literal(1),
  provisionVersion: z.string(),
  playbook: z.string(),
  check: z.boolean(),
  startedAt: iso,
  endedAt: iso,
  durationMs: count,
  hosts: z.record(
    z.string(),
    z.object({
      recap: z.object({ ok: count, changed: count, failed: count, skipped: count, unreachable: count, rescued: count, ignored: count, roundTrips: count, error: z.string().optional() }),
      tasks: z.array(task),
    }),
  ),
});

/**
 * Reads a `--report` JSON file (JSON is YAML, so errors name file:line and the
 * field). A report of an older provision, without times, is refused by name.
 */
export function readReport(file: string): RunReport {
  const source = YamlSource.fromFile(file);
  const parsed = reportSchema.safeParse(source.data);
  if (!parsed.success) throw new ConfigErrors(schemaErrors(parsed.error, source, []));
  return parsed.data as RunReport;
}
