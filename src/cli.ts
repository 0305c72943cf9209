#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, exitCodeFor, formatError, UsageError } from './exit-codes.js';
import { PACKAGE_ROOT } from './package-root.js';
import { DEFAULT_RELEASE, RELEASE_ENV, RELEASES } from './sandbox/release.js';

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const collect = (value: string, previous: string[]): string[] => [...previous, value];
// -v, -vv, -vvv: each occurrence one level more.
const countVerbosity = (_: string, previous: number): number => previous + 1;
const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

function inventoryOptions(c: Command): Command {
  return c
    .option('-i, --inventory <source>', 'inventory file or directory; repeatable (default inventory/hosts.yaml)', collect, [])
    .option('-e, --extra-vars <vars>', 'variables: key=value, @file.yaml or {json}; repeatable, highest precedence', collect, [])
    .option('-l, --limit <pattern>', 'only these hosts or groups (globs, !name, &group)')
    .option('-t, --tags <tags>', 'only tasks with these tags (comma-separated)')
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated)');
}

// ansible-vault passwords (src/vault/): read once before any file, by the preAction hook below.
function vaultOptions(c: Command): Command {
  return c
    .option('--vault-id <[id@]source>', 'vault password for an id: a file, an executable script, or "prompt"; repeatable', collect, [])
    .option('--vault-password-file <file>', 'vault password file, or a script that prints it; repeatable (also $ANSIBLE_VAULT_PASSWORD_FILE)', collect, [])
    .option('-J, --ask-vault-pass', 'ask for the vault password on the terminal', false);
}

// The Debian release of test hosts: a flag, else the environment (as the host tests set it), else the default.
const releaseOption = (): Option =>
  new Option('--release <release>', 'Debian release of the test host').choices(RELEASES).env(RELEASE_ENV).default(DEFAULT_RELEASE);

/** Set once the command is known: whether its errors stopped a playbook run before any host (formatError). */
let runsPlaybook = false;
function commandRunsPlaybook(command: Command): boolean {
  const o = command.opts();
  if (command.name() === 'test') return !o.listScenarios;
  if (command.parent) return false;
  return !(o.syntaxCheck || o.listHosts || o.listTasks || o.listTags);
}

const program = new Command();
// Commander's own errors (an unknown option, a missing argument) throw instead of exiting 1, so they
// get the documented exit status 5; subcommands inherit this.
program.exitOverride();
program
  .name('provision')
  .description('Make servers match a YAML playbook over SSH: typed, idempotent tasks, exact check mode with diffs.')
  .version(version, '-V, --version')
  .showHelpAfterError()
  .enablePositionalOptions()
  .hook('preAction', async (_program, command) => {
    runsPlaybook = commandRunsPlaybook(command);
    // ansible.cfg and ANSIBLE_* (src/settings/): below the flags, before the vault passwords it may name.
    (await import('./settings/cli.js')).applyProjectSettings(command);
    if ('vaultId' in command.opts()) await (await import('./vault/cli.js')).useVaultPasswords(command.opts());
  });

vaultOptions(inventoryOptions(program.argument('[playbook]', 'playbook to run')))
  .option('-C, --check', 'dry run: show what would change, as diffs; change nothing', false)
  .option('-D, --diff', 'show diffs of what changes', false)
  .option('--fail-on-change', 'with --check: exit 6 when anything would change (drift detection for CI)', false)
  .option('-f, --forks <n>', 'hosts in parallel', positiveInt, 10)
  .option('--report <file.json>', 'write a machine-readable report')
  .option('--report-html <file.html>', 'write the run report as one self-contained HTML page')
  .option('--junit <file.xml>', 'write JUnit XML (one test case per host and task) for CI systems')
  .option('-v, --verbose', 'plain output with every step and command output; -vv adds the facts read and the plan; -vvv the SSH exchange', countVerbosity, 0)
  .option('--accept-new-host-keys', 'trust and record host keys seen for the first time (a changed key is always refused)', false)
  .option('-T, --timeout <seconds>', 'SSH connection timeout', positiveInt, 10)
  .option('--ssh-config <file>', 'ssh_config file to honour (default: $PROVISION_SSH_CONFIG, else ~/.ssh/config; "none" for none)')
  .option('-K, --ask-become-pass', 'ask for the sudo password once, on the terminal', false)
  // ansible-playbook's everyday flags, with its meanings (README: Command line).
  .option('-u, --user <user>', 'login user where the inventory and play set none (ansible_user wins, as in Ansible)')
  .option('--private-key <file>', 'SSH key file where the inventory sets none (ansible_ssh_private_key_file wins)')
  .option('-b, --become', 'run tasks with sudo where no become: or ansible_become says otherwise', false)
  .option('--become-user <user>', 'the user to become: root only')
  .option('--list-hosts', 'list each play\'s hosts and exit; touch no host', false)
  .option('--list-tasks', 'list each play\'s tasks and exit; touch no host', false)
  .option('--list-tags', 'list each play\'s task tags and exit; touch no host', false)
  .option('--syntax-check', 'check the playbook and exit (as provision validate); touch no host', false)
  .option('--start-at-task <name>', 'skip the tasks before the first task with this name')
  .option('--step', 'ask before each task (once for all hosts): (N)o/(y)es/(c)ontinue; answers from the terminal or piped stdin', false)
  .action(async (playbook: string | undefined, o) => {
    if (!playbook) {
      program.help();
      return;
    }
    if (o.failOnChange && !o.check) throw new UsageError('--fail-on-change only makes sense with --check');
    if (o.syntaxCheck) return validate(playbook, o);
    if (o.listHosts || o.listTasks || o.listTags) {
      const { loadInputs, splitList } = await import('./commands/load.js');
      const { listPlaybook } = await import('./commands/list.js');
      const { playbook: loaded, inventory } = loadInputs(playbook, o);
      return void process.stdout.write(listPlaybook(loaded, inventory, { hosts: o.listHosts, tasks: o.listTasks, tags: o.listTags }, { limit: o.limit, tags: splitList(o.tags), skipTags: splitList(o.skipTags) }));
    }
    if (o.askBecomePass) o.becomePassword = await (await import('./ssh/ask-pass.js')).askBecomePassword();
    const { runPlaybook } = await import('./commands/run.js');
    process.exitCode = await runPlaybook(playbook, { ...o, extraVars: o.extraVars, connectTimeout: o.timeout });
  });

async function validate(playbook: string, o: Parameters<typeof import('./commands/load.js').loadAndCompile>[1]): Promise<void> {
  const { loadAndCompile } = await import('./commands/load.js');
  const runs = loadAndCompile(playbook, o);
  const { executionCount } = await import('./compile.js');
  const tasks = runs.reduce((n, r) => n + r.plays.reduce((m, p) => m + executionCount(p), 0), 0);
  process.stdout.write(`${playbook}: valid (${runs.length} host${runs.length === 1 ? '' : 's'}, ${tasks} task runs)\n`);
}

vaultOptions(inventoryOptions(program.command('validate').description('check a playbook, its inventory, variables and templates; touch no host').argument('<playbook>'))).action(validate);

vaultOptions(program.command('inventory'))
  .description('show the inventory as provision resolves it, in ansible-inventory\'s shapes')
  .option('-i, --inventory <source>', 'inventory file or directory; repeatable (default inventory/hosts.yaml)', collect, [])
  .option('--playbook-dir <dir>', 'also read group_vars/ and host_vars/ beside the playbook in DIR')
  .option('--list', 'all groups and hosts with their variables, as JSON')
  .option('--graph [group]', 'the groups and hosts as a tree')
  .option('--host <name>', 'one host\'s variables, as JSON')
  .action(async (o) => {
    const { inventoryCommand } = await import('./commands/inventory.js');
    process.stdout.write(`${inventoryCommand({ ...o, inventory: o.inventory.length ? o.inventory : ['inventory/hosts.yaml'] })}\n`);
  });

program
  .command('config')
  .description('the project settings provision reads (ansible.cfg, ANSIBLE_*, these flags) and where each came from')
  .option('-i, --inventory <source>', 'as for a run; repeatable', collect, [])
  .option('-f, --forks <n>', 'as for a run', positiveInt)
  .option('-T, --timeout <seconds>', 'as for a run', positiveInt)
  .option('-u, --user <user>', 'as for a run')
  .option('--private-key <file>', 'as for a run')
  .option('-b, --become', 'as for a run')
  .option('--become-user <user>', 'as for a run')
  .action(async (_o, command: Command) => void process.stdout.write((await import('./commands/config.js')).configCommand(command)));

const sandbox = program.command('sandbox').description('disposable Debian test hosts (systemd-nspawn; needs root)');
sandbox
  .command('up')
  .description('boot test hosts and print an inventory for them')
  .argument('[names...]', 'host names (1-11 of a-z, 0-9, -)')
  .addOption(releaseOption())
  .action(async (names: string[], o) => (await import('./commands/sandbox.js')).sandboxUp(names, o.release));
sandbox
  .command('list')
  .description('list running test hosts')
  .action(async () => (await import('./commands/sandbox.js')).sandboxList());
sandbox
  .command('down')
  .description('stop and delete test hosts (all when no name is given)')
  .argument('[names...]')
  .action(async (names: string[]) => (await import('./commands/sandbox.js')).sandboxDown(names));

vaultOptions(program.command('test'))
  .description('on a fresh test host: check mode, converge, converge again (0 changed), verify:, destroy')
  .argument('<playbook>')
  .option('-s, --scenario <name>', 'a scenario of PLAYBOOK.test.yaml (default: the one named default, else the first)')
  .option('--list-scenarios', 'list the scenarios of PLAYBOOK.test.yaml; boot nothing', false)
  .option('-e, --extra-vars <vars>', 'variables, as for a run, over the scenario\'s', collect, [])
  .option('--keep', 'keep the test host afterwards', false)
  .option('--rebuild', 'then build a second fresh host in one run and require the same files (bytes, mode, owner) on both', false)
  .option('--name <name>', 'test host name (at most 9 characters with --rebuild)')
  .addOption(releaseOption())
  .option('-v, --verbose', 'plain output with every step', false)
  .action(async (playbook: string, o) => {
    if (o.listScenarios) {
      const { describeScenarios, loadScenarioFile } = await import('./scenario.js');
      return void process.stdout.write(`${describeScenarios(loadScenarioFile(playbook), playbook)}\n`);
    }
    const { testPlaybook } = await import('./commands/test.js');
    process.exitCode = await testPlaybook(playbook, o);
  });

vaultOptions(program.command('vault'))
  .description('ansible-vault\'s encrypt, decrypt, view, edit and encrypt_string, in its format')
  .argument('<action>', 'encrypt | decrypt | view | edit | encrypt_string')
  .argument('[args...]', 'files (strings for encrypt_string); none: stdin')
  .option('--output <file>', 'encrypt/decrypt: write here ("-" for stdout) instead of in place')
  .option('--encrypt-vault-id <id>', 'the vault id to encrypt with, when several are given')
  .option('--name <name>', 'encrypt_string: the variable name for the next string; repeatable', collect, [])
  .action(async (action: string, args: string[], o) => (await import('./commands/vault.js')).vaultCommand(action, args, o));

program
  .command('report')
  .description('turn a run\'s --report JSON into one self-contained HTML page')
  .argument('<run.json>')
  .requiredOption('-o, --out <file.html>', 'the HTML file to write')
  .action(async (json: string, o) => (await import('./commands/report.js')).reportCommand(json, o.out));

program
  .command('init')
  .description('scaffold inventory/, playbooks/ and templates/ with one working example')
  .argument('[dir]', 'project directory', '.')
  .action(async (dir: string) => (await import('./commands/init.js')).initProject(dir));

program
  .command('tasks')
  .description('list the task types, or show one task type\'s fields and an example')
  .argument('[name]')
  .option('--markdown', 'print the reference as markdown (as in the README)', false)
  .action(async (name: string | undefined, o) => {
    const docs = await import('./docs.js');
    const { getTaskType, taskTypeNames } = await import('../tasks/index.js');
    if (o.markdown) return void process.stdout.write(`${docs.tasksMarkdown()}\n`);
    if (!name) return void process.stdout.write(`${docs.tasksListing()}\n`);
    const t = getTaskType(name);
    if (!t) throw new UsageError(`unknown task type "${name}"; task types: ${taskTypeNames().join(', ')}`);
    process.stdout.write(`${docs.taskHelp(t)}\n`);
  });

program
  .command('schema')
  .description('write JSON Schemas for playbooks and inventories (for editor completion and checks)')
  .option('-o, --out <dir>', 'directory to write playbook.schema.json and inventory.schema.json to', 'schemas')
  .action(async (o) => {
    const docs = await import('./docs.js');
    mkdirSync(o.out, { recursive: true });
    writeFileSync(`${o.out}/playbook.schema.json`, `${JSON.stringify(docs.playbookJsonSchema(), null, 2)}\n`);
    writeFileSync(`${o.out}/inventory.schema.json`, `${JSON.stringify(docs.inventoryJsonSchema(), null, 2)}\n`);
    process.stdout.write(`wrote ${o.out}/playbook.schema.json and ${o.out}/inventory.schema.json\n`);
  });

program
  .command('completion')
  .description('print a shell completion script: eval "$(provision completion bash)" (zsh likewise; fish: | source)')
  .argument('<shell>', 'bash, zsh or fish')
  .action(async (shell: string) => {
    const { COMPLETION_SCRIPTS } = await import('./completion/scripts.js');
    if (!(shell in COMPLETION_SCRIPTS)) throw new UsageError(`completion: unknown shell "${shell}"; shells: ${Object.keys(COMPLETION_SCRIPTS).join(', ')}`);
    process.stdout.write(COMPLETION_SCRIPTS[shell as keyof typeof COMPLETION_SCRIPTS]);
  });

// What the completion scripts call: the candidates for the last word, one a line. Options are words here.
program
  .command('__complete', { hidden: true })
  .argument('[words...]')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .action(async (words: string[]) => {
    const { completionCandidates } = await import('./completion/candidates.js');
    const { completionSources } = await import('./completion/readers.js');
    const visible = program.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
    const flagsOf = (c: Command): string[] => [...c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)), '--help'];
    const shape = { subcommands: visible.map((c) => c.name()), flags: Object.fromEntries([['', flagsOf(program)], ...visible.map((c) => [c.name(), flagsOf(c)])]) };
    const candidates = completionCandidates(words.length ? words : [''], shape, completionSources);
    if (candidates.length) process.stdout.write(`${candidates.join('\n')}\n`);
  });

program.parseAsync(process.argv).catch((err) => {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help, or the version) already.
    process.exitCode = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? 0 : EXIT.badOptions;
    return;
  }
  process.stderr.write(`${formatError(err, runsPlaybook)}\n`);
  process.exitCode = exitCodeFor(err);
});
