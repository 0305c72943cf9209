import type { Command } from 'commander';
import { describeSettings, givenFlags, processContext } from '../settings/cli.js';
import { hostKeyCheckingWarning, loadSettings } from '../settings/index.js';
import { effectiveSettings } from '../settings/precedence.js';

/**
 * `provision config`: each setting provision reads, its value and where it
 * came from (a flag given here, an ANSIBLE_* variable, ansible.cfg's
 * file:line, or the default), as `ansible-config dump` shows Ansible's.
 */
export function configCommand(command: Command): string {
  const settings = loadSettings(processContext());
  for (const w of [...settings.warnings, hostKeyCheckingWarning(settings)]) if (w) process.stderr.write(`[WARNING]: ${w}\n`);
  return describeSettings(settings, effectiveSettings(settings, givenFlags(command)));
}
