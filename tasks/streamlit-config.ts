import { stringify } from 'smol-toml';
import * as z from 'zod';
import { fact, parseFileState, userFact, type Fact, type FileState, type PasswdEntry } from '../src/facts.js';
import { planFile } from '../src/file-plan.js';
import { nothingToDo, type Change, type Plan, type Step } from '../src/plan.js';
import { absolutePath, accountName, fileMode } from '../src/schemas.js';
import { isSecret, Secret } from '../src/secret.js';
import { cmd, quote, raw } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';
import { textOrSecret } from './secret-text.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a Streamlit option name such as "headless" or "serverAddress"');

type TomlValue = string | Secret | number | boolean | TomlValue[] | { [key: string]: TomlValue };

const tomlValue: z.ZodType<TomlValue> = z.lazy(() =>
  z.union([
    // A secret (server.cookieSecret) is written into the file, which reaches the host on stdin.
    textOrSecret,
    z.number().refine(Number.isFinite, 'expected a finite number'),
    z.boolean(),
    z.array(tomlValue),
    z.record(identifier, tomlValue),
  ]),
);

/** A path below the home directory: no leading "/", no ".." segments, no odd characters. */
const relativeDir = z
  .string()
  .regex(/^[A-Za-z0-9._+@-]+(\/[A-Za-z0-9._+@-]+)*\/?$/, 'expected a directory relative to the user\'s home, such as ".rocktalk" or "apps/flip" (letters, digits, ".", "_", "+", "@", "-")')
  .refine((p) => !p.split('/').includes('..'), 'app_dir may not contain ".." segments')
  .refine((p) => !p.startsWith('-'), 'app_dir may not start with "-"')
  .transform((p) => p.replace(/\/$/, ''));

const schema = z
  .strictObject({
    settings: z
      .record(identifier, z.record(identifier, tomlValue))
      .describe('Sections of config.toml (server, browser, theme, client, runner, logger…), each a map of option → value. Written in the order given; strings are quoted and escaped for TOML, numbers and booleans stay typed.'),
    user: accountName.optional().describe('The user the app runs as: the file goes under their home directory and belongs to them (and their primary group) unless owner/group say otherwise.'),
    app_dir: relativeDir
      .default('.')
      .describe('With user: the app\'s directory relative to the home directory; the file is APP_DIR/.streamlit/config.toml. "." (default) is the user\'s global ~/.streamlit/config.toml.'),
    path: absolutePath.optional().describe('Instead of user: the absolute path of the config file, e.g. /opt/app/.streamlit/config.toml.'),
    owner: accountName.optional().describe('Owner of the file (and of the directories created for it). Default: user.'),
    group: accountName.optional().describe('Group of the file (and of the directories created for it). Default: the user\'s primary group.'),
    mode: fileMode.optional().describe('Mode of the file, octal, e.g. "0640" (server.cookieSecret is a secret). Unset: keep the current mode (0644 for a new file).'),
  })
  .refine((a) => (a.user === undefined) !== (a.path === undefined), 'give exactly one of user (with app_dir) or path')
  .describe('Writes a Streamlit config.toml from typed settings, creating its .streamlit directory.');

export type StreamlitConfigArgs = z.infer<typeof schema>;

/** TOML text for the settings, byte-identical for the same settings: sections and keys in the order given. */
export function renderConfig(settings: StreamlitConfigArgs['settings']): string | Secret {
  // The same settings object (compile sharing) is rendered once for all hosts; the text or
  // Secret made from it never changes.
  const known = rendered.get(settings);
  if (known !== undefined) return known;
  const text = renderConfigText(settings);
  rendered.set(settings, text);
  return text;
}

const rendered = new WeakMap<StreamlitConfigArgs['settings'], string | Secret>();

function renderConfigText(settings: StreamlitConfigArgs['settings']): string | Secret {
  let holdsSecret = false;
  const revealed = JSON.parse(JSON.stringify(settings, function (this: Record<string, unknown>, k: string, v: unknown) {
    const own = this[k];
    if (!isSecret(own)) return v;
    holdsSecret = true;
    return own.reveal();
  }));
  const text = `# Managed by provision: changes made here are overwritten.\n\n${stringify(revealed).replace(/^\n+/, '')}`.replace(/\n*$/, '\n');
  return holdsSecret ? new Secret(text, { register: false }) : text;
}

/** The directories between the home directory and the config file, top down: ".rocktalk", ".rocktalk/.streamlit". */
export function relativeDirs(appDir: string): string[] {
  const parts = [...(appDir === '.' ? [] : appDir.split('/').filter((p) => p !== '.')), '.streamlit'];
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export interface ConfigLocation {
  /** False when the user does not exist (yet). */
  userExists: boolean;
  /** Whether each directory the task may create exists, top down. */
  dirs: boolean[];
  file: FileState;
}

/**
 * The config file's state, found from the user's home directory on the host
 * (getent), so one read gives it even though its path depends on a fact. For
 * `path`, the directories are just the file's parent.
 */
export function locationFact(a: Pick<StreamlitConfigArgs, 'user' | 'app_dir' | 'path'>): Fact<ConfigLocation> {
  const lines: string[] = [];
  let dirs: string[];
  let file: string;
  if (a.user !== undefined) {
    lines.push(`base=$(getent passwd -- ${quote(a.user)} | cut -d: -f6)`, `if [ -z "$base" ]; then printf 'nouser\\n'; exit 0; fi`, `printf 'user\\n'`);
    dirs = relativeDirs(a.app_dir).map((d) => `"$base"/${quote(d)}`);
    file = `"$base"/${quote(`${relativeDirs(a.app_dir).at(-1)}/config.toml`)}`;
  } else {
    dirs = [quote(parentOf(a.path!))];
    file = quote(a.path!);
    lines.push(`printf 'user\\n'`);
  }
  for (const d of dirs) lines.push(`if [ -d ${d} ]; then printf 'dir 1\\n'; else printf 'dir 0\\n'; fi`);
  lines.push(
    `p=${file}`,
    `if [ -L "$p" ]; then printf 'link\\n'; readlink "$p";`,
    `elif [ -e "$p" ]; then stat -c '%F|%a|%U|%G|%s' -- "$p" && if [ -f "$p" ]; then sha256sum < "$p"; fi;`,
    `else printf 'absent\\n'; fi`,
  );
  const key = a.user !== undefined ? `streamlit:${a.user}:${a.app_dir}` : `streamlit:${a.path}`;
  return fact(key, lines.join('\n'), ({ stdout }) => parseLocation(stdout));
}

export function parseLocation(stdout: string): ConfigLocation {
  const lines = stdout.split('\n');
  if (lines[0] === 'nouser') return { userExists: false, dirs: [], file: { exists: false } };
  let i = 1;
  const dirs: boolean[] = [];
  while (lines[i]?.startsWith('dir ')) dirs.push(lines[i++] === 'dir 1');
  return { userExists: lines[0] === 'user', dirs, file: parseFileState(lines.slice(i).join('\n')) };
}

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function planStreamlitConfig(a: StreamlitConfigArgs, facts: { user?: PasswdEntry; location: ConfigLocation }): Plan {
  const content = renderConfig(a.settings);
  const { location } = facts;
  const steps: Step[] = [];
  let path: string;
  let dirs: string[];
  let owner = a.owner;
  let group = a.group;
  let note = '';
  if (a.user !== undefined) {
    const u = facts.user ?? { exists: false };
    // A user created earlier in the same run does not exist yet in check mode: plan with
    // Debian's defaults (home /home/NAME, group NAME); a real run reads the facts again.
    const home = u.exists && u.home ? u.home : `/home/${a.user}`;
    owner ??= a.user;
    group ??= u.exists ? u.groups?.[0] : a.user;
    if (!u.exists || !location.userExists) {
      note = ` (user ${a.user} does not exist yet: assuming home ${home})`;
      steps.push({ kind: 'run', command: cmd('id', '-u', '--', a.user), label: `check that user ${a.user} exists` });
    }
    const rel = relativeDirs(a.app_dir);
    path = `${home.replace(/\/+$/, '')}/${rel.at(-1)}/config.toml`;
    dirs = rel.map((d) => `${home.replace(/\/+$/, '')}/${d}`);
  } else {
    path = a.path!;
    dirs = [parentOf(path)];
  }

  const created: string[] = [];
  dirs.forEach((dir, i) => {
    if (location.dirs[i] === true) return;
    created.push(dir);
    // Created one level at a time so each new directory gets the owner (mkdir -p would leave parents to root).
    const chown = owner || group ? [raw('&&'), 'chown', `${owner ?? ''}${group ? `:${group}` : ''}`, '--', dir] : [];
    steps.push({ kind: 'run', command: cmd('test', '-d', dir, raw('||'), raw('{'), 'mkdir', '-p', '--', dir, ...chown, raw(';'), raw('}')) });
  });

  const fileChange = planFile({ path, content, mode: a.mode, owner, group }, location.file);
  if (!fileChange && !created.length) return nothingToDo(`${path} is up to date`);
  const changes: Change[] = [];
  if (created.length) {
    changes.push({ summary: `create ${created.map((d) => `${d}/`).join(', ')}`, diff: { kind: 'lines', lines: created.map((d) => `+ ${d}/`) }, steps });
  }
  if (fileChange) {
    changes.push({ ...fileChange, summary: fileChange.summary + note, steps: created.length ? fileChange.steps : [...steps, ...fileChange.steps] });
  }
  return { changes };
}

export const streamlitConfig = defineTask({
  name: 'streamlit_config',
  summary: "Write a Streamlit app's .streamlit/config.toml.",
  schema: schema as z.ZodType<StreamlitConfigArgs>,
  example: `- name: RockTalk behind the nginx proxy
  streamlit_config:
    user: rocktalk
    app_dir: .rocktalk
    settings:
      server: { headless: true, enableCORS: false, enableXsrfProtection: false, port: 8502 }
      browser: { serverAddress: rocktalk.example.com, serverPort: 443, gatherUsageStats: false, disconnectedSessionTTL: 2592000 }`,
  facts: (a) => ({ ...(a.user !== undefined ? { user: userFact(a.user) } : {}), location: locationFact(a) }),
  // With user:, the path depends on the user's home on the host.
  files: (a) => (a.path !== undefined ? [a.path] : []),
  plan: (a, facts) => planStreamlitConfig(a, facts as { user?: PasswdEntry; location: ConfigLocation }),
});
