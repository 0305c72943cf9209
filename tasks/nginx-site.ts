import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { fileFact, type FileState } from '../src/facts.js';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { planFile } from '../src/file-plan.js';
import { nothingToDo, type Change, type RunStep } from '../src/plan.js';
import { cmd } from '../src/shell.js';
import { defineTask, type LocalFiles } from '../src/task-type.js';
import type { Secret } from '../src/secret.js';
import { renderTemplate, TemplateError } from '../src/template.js';
import { textOrSecret } from './secret-text.js';

/** Debian's layout: nginx.conf includes sites-enabled/* inside http{}; files starting with "." are not matched. */
export const SITES_AVAILABLE = '/etc/nginx/sites-available';
export const SITES_ENABLED = '/etc/nginx/sites-enabled';

export const siteName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a site name: letters, digits, ".", "_" or "-", starting with a letter or digit');

const schema = z
  .strictObject({
    name: siteName.describe('Site name: the file /etc/nginx/sites-available/NAME and the link /etc/nginx/sites-enabled/NAME.'),
    src: z
      .string()
      .min(1)
      .refine((s) => !/[\0\n\r]/.test(s), 'a template path may not contain NUL or newline characters')
      .optional()
      .describe(
        'Handlebars template for the site file, looked up under templates/ beside the playbook, then beside it, then in the parent directory, ' +
          "then among provision's own templates (nginx/streamlit-proxy.conf.hbs, nginx/websocket-proxy.conf.hbs, nginx/static-with-backend.conf.hbs, nginx/hardened-proxy.conf.hbs).",
      ),
    content: textOrSecret.optional().describe('The site file content, inline (instead of src). May be a secret: it reaches the host on stdin.'),
    vars: z
      .record(z.string(), z.unknown())
      .refine((v) => Object.keys(v).every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)), 'expected variable names: letters, digits and "_", not starting with a digit')
      .optional()
      .describe(
        "Variables for the template (with src). Given: the template sees only these (refer to the host's variables in the values, " +
          'e.g. domain: "{{ domain }}"), so one play can render the same template for several sites. Not given: the template sees the host\'s variables, as the template task does.',
      ),
    enabled: z.boolean().default(true).describe('Link the site into /etc/nginx/sites-enabled (true) or remove that link (false).'),
    remove_default: z.boolean().default(false).describe("Remove Debian's default site from sites-enabled (the link /etc/nginx/sites-enabled/default)."),
  })
  .refine((a) => (a.src === undefined) !== (a.content === undefined), 'give exactly one of src or content')
  .refine((a) => a.vars === undefined || a.src !== undefined, { message: 'vars are for a template: give src', path: ['vars'] })
  .refine((a) => !(a.remove_default && a.name === 'default'), { message: 'remove_default cannot remove the site this task manages (name: default)', path: ['remove_default'] })
  .describe(
    'An nginx site: /etc/nginx/sites-available/NAME from a template or inline content, enabled with its link in sites-enabled. ' +
      '`nginx -t` checks the new configuration before the task finishes; if it fails, the previous file and links are put back, ' +
      "the task fails with nginx's error, and the running nginx is never touched. The task does not reload nginx: notify a handler " +
      '(`service: { name: nginx, state: reloaded }`).',
  );

export type NginxSiteArgs = z.infer<typeof schema>;

export const nginxSite = defineTask({
  name: 'nginx_site',
  summary: 'nginx site file + sites-enabled link, checked with nginx -t (rolled back on failure).',
  schema: schema as z.ZodType<NginxSiteArgs>,
  example: `- name: RockTalk reverse proxy
  nginx_site:
    name: rocktalk.conf
    src: nginx/streamlit-proxy.conf.hbs
    vars:
      domain: "{{ domain }}"
      app_port: 8502
    remove_default: true
  notify: reload nginx`,
  resolveLocal: (a, local) => (a.src === undefined ? a : { ...a, content: renderSite(a.src, a.vars, local) }),
  // Without `vars`, the template reads the host's variables: its names decide whether it waits for host facts.
  reads(raw, local) {
    const a = raw as { src?: unknown; vars?: unknown } | null;
    if (!a || typeof a !== 'object' || typeof a.src !== 'string' || a.vars !== undefined) return [];
    const names = local.template(a.src);
    const builtin = names.length ? undefined : builtinTemplate(a.src);
    return builtin ? local.template(builtin) : names;
  },
  files: (a) => [sitePath(a.name), linkPath(a.name)],
  facts: (a) => ({
    site: fileFact(sitePath(a.name)),
    link: fileFact(linkPath(a.name)),
    ...(a.remove_default ? { defaultLink: fileFact(`${SITES_ENABLED}/default`) } : {}),
  }),
  plan(a, f) {
    const facts = f as { site: FileState; link: FileState; defaultLink?: FileState };
    const site = sitePath(a.name);
    const link = linkPath(a.name);
    const changes: Change[] = [];

    const file = planFile({ path: site, content: a.content! }, facts.site);
    if (file) changes.push({ ...file, steps: [] });

    let linkOp: LinkOp = 'keep';
    const l = facts.link;
    if (a.enabled) {
      if (l.exists && l.type !== 'link') throw new Error(`${link} exists and is a ${describeType(l)}, not a link to ${site}; remove it, or copy its content into the site`);
      if (!l.exists || !linksTo(l.linkTarget, a.name)) {
        linkOp = 'enable';
        changes.push({
          summary: `enable site ${a.name} (${link} -> ${site})`,
          diff: { kind: 'text', label: link, before: l.exists ? `-> ${l.linkTarget}` : '(absent)', after: `-> ${site}` },
          steps: [],
        });
      }
    } else if (l.exists) {
      if (l.type === 'directory') throw new Error(`${link} is a directory; nginx_site will not remove it`);
      linkOp = 'disable';
      changes.push({
        summary: `disable site ${a.name} (remove ${link})`,
        diff: { kind: 'text', label: link, before: l.type === 'link' ? `-> ${l.linkTarget}` : `(${describeType(l)})`, after: '(absent)' },
        steps: [],
      });
    }

    const d = facts.defaultLink;
    const removeDefault = !!(a.remove_default && d?.exists);
    if (removeDefault) {
      if (d!.type === 'directory') throw new Error(`${SITES_ENABLED}/default is a directory; nginx_site will not remove it`);
      changes.push({
        summary: `remove the default site (${SITES_ENABLED}/default)`,
        diff: { kind: 'text', label: `${SITES_ENABLED}/default`, before: d!.type === 'link' ? `-> ${d!.linkTarget}` : `(${describeType(d!)})`, after: '(absent)' },
        steps: [],
      });
    }

    if (!changes.length) {
      const parts = [`${site} is up to date`, a.enabled ? 'enabled' : 'not enabled'];
      if (a.remove_default) parts.push('no default site');
      return nothingToDo(parts.join(', '));
    }
    // Every part (file, link, default site) goes in one step: put in place together,
    // checked together with `nginx -t`, and put back together if nginx rejects them.
    changes[0].steps = [
      siteStep({ site, link, defaultLink: `${SITES_ENABLED}/default`, content: file ? a.content! : undefined, linkOp, removeDefault }),
    ];
    return { changes };
  },
});

export type LinkOp = 'enable' | 'disable' | 'keep';

export function sitePath(name: string): string {
  return `${SITES_AVAILABLE}/${name}`;
}

export function linkPath(name: string): string {
  return `${SITES_ENABLED}/${name}`;
}

/** The link may be absolute (as the guides make it) or relative (as some tools do). */
function linksTo(target: string | undefined, name: string): boolean {
  return target === sitePath(name) || target === `../sites-available/${name}`;
}

function describeType(s: FileState): string {
  return s.type === 'file' ? 'regular file' : s.type === 'link' ? 'symbolic link' : (s.type ?? 'file');
}

/**
 * The transaction, as a POSIX shell script run with `sh -c SCRIPT nginx_site ARGS`.
 * Arguments: $1 site file, $2 its link, $3 1 = install the file read from stdin,
 * $4 enable|disable|keep the link, $5 1 = remove the default site's entry, $6 that entry.
 *
 * 1. Stage the new file beside the site file (same directory: the rename is atomic),
 *    with the old file's owner and mode; keep a copy of the old file.
 * 2. Record the links as they are (target, or a copy when a regular file stands there).
 * 3. Rename the file into place, create/remove the link, remove the default site.
 * 4. `nginx -t`. If it (or anything in 3) fails: put file and links back as recorded,
 *    print nginx's output on stderr, exit 1. nginx itself is never reloaded here.
 * Staging and backup files start with "." so sites-enabled/*'s glob never includes them.
 */
export const SITE_SCRIPT = String.raw`site=$1 link=$2 write=$3 linkop=$4 rmdef=$5 deflink=$6
sdir=$(dirname -- "$site") ldir=$(dirname -- "$link") ddir=$(dirname -- "$deflink")
new= old= linkwas=absent linkold= linkbak= defwas=absent defold= defbak=
cleanup() { for f in "$new" "$old" "$linkbak" "$defbak"; do [ -z "$f" ] || rm -f -- "$f"; done; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
if [ "$write" = 1 ]; then
  new=$(mktemp "$sdir/.provision.XXXXXXXX") || exit 1
  cat > "$new" || exit 1
  if [ -e "$site" ]; then
    chown --reference="$site" -- "$new" && chmod --reference="$site" -- "$new" || exit 1
    old=$(mktemp "$sdir/.provision-old.XXXXXXXX") && cp -p -- "$site" "$old" || exit 1
  else
    chmod 0644 -- "$new" || exit 1
  fi
  sync -- "$new" 2>/dev/null || sync
fi
if [ -L "$link" ]; then linkwas=link; linkold=$(readlink -- "$link") || exit 1
elif [ -e "$link" ]; then linkwas=file; linkbak=$(mktemp "$ldir/.provision-old.XXXXXXXX") && cp -p -- "$link" "$linkbak" || exit 1; fi
if [ "$rmdef" = 1 ]; then
  if [ -L "$deflink" ]; then defwas=link; defold=$(readlink -- "$deflink") || exit 1
  elif [ -e "$deflink" ]; then defwas=file; defbak=$(mktemp "$ddir/.provision-old.XXXXXXXX") && cp -p -- "$deflink" "$defbak" || exit 1; fi
fi
restore() { case $2 in link) ln -sfn -- "$3" "$1" ;; file) mv -f -- "$4" "$1" ;; *) rm -f -- "$1" ;; esac; }
ok=1 out=
if [ "$write" = 1 ]; then mv -f -- "$new" "$site" && new= || ok=0; fi
if [ "$ok" = 1 ]; then
  case $linkop in
    enable) ln -sfn -- "$site" "$link" || ok=0 ;;
    disable) rm -f -- "$link" || ok=0 ;;
  esac
fi
if [ "$ok" = 1 ] && [ "$rmdef" = 1 ]; then rm -f -- "$deflink" || ok=0; fi
if [ "$ok" = 1 ]; then out=$(nginx -t 2>&1) || ok=0; else out="could not put the new configuration in place"; fi
if [ "$ok" = 0 ]; then
  if [ "$write" = 1 ]; then
    if [ -n "$old" ]; then mv -f -- "$old" "$site" && old=; else rm -f -- "$site"; fi
  fi
  if [ "$linkop" != keep ]; then restore "$link" "$linkwas" "$linkold" "$linkbak"; fi
  if [ "$rmdef" = 1 ]; then restore "$deflink" "$defwas" "$defold" "$defbak"; fi
  printf 'nginx -t rejected the new configuration; the previous site file and links are back in place and the running nginx was not touched:\n%s\n' "$out" >&2
  exit 1
fi`;

export interface SiteStepInput {
  site: string;
  link: string;
  defaultLink: string;
  /** New content for the site file; undefined: leave the file alone. */
  content?: string | Secret;
  linkOp: LinkOp;
  removeDefault: boolean;
}

/** One run step: file, links and `nginx -t` as one unit, rolled back together. */
export function siteStep(s: SiteStepInput): RunStep {
  const command = cmd('sh', '-c', SITE_SCRIPT, 'nginx_site', s.site, s.link, s.content !== undefined ? '1' : '0', s.linkOp, s.removeDefault ? '1' : '0', s.defaultLink);
  const what = [
    s.content !== undefined && `write ${s.site}`,
    s.linkOp === 'enable' && `link ${s.link}`,
    s.linkOp === 'disable' && `remove ${s.link}`,
    s.removeDefault && `remove ${s.defaultLink}`,
  ].filter(Boolean);
  const label = `${what.join(', ')}, nginx -t (all put back if it fails)`;
  return s.content !== undefined ? { kind: 'run', command, stdin: s.content, label } : { kind: 'run', command, label };
}

// --- Templates ----------------------------------------------------------------

/** The packaged template of that relative name (in provision's own templates/), if provision ships one. */
export function builtinTemplate(src: string): string | undefined {
  if (isAbsolute(src) || src.split('/').includes('..')) return undefined;
  const path = join(PACKAGE_ROOT, 'templates', src);
  return existsSync(path) ? path : undefined;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && / not found \(looked in: /.test(err.message);
}

/** Renders the site template: with the task's own `vars` when given, else with the host's variables. */
function renderSite(src: string, vars: Record<string, unknown> | undefined, local: LocalFiles): string {
  if (vars === undefined) {
    try {
      return local.template(src);
    } catch (err) {
      const builtin = isNotFound(err) ? builtinTemplate(src) : undefined;
      if (!builtin) throw err;
      return local.template(builtin);
    }
  }
  const { path, text } = readTemplate(src, local);
  try {
    return renderTemplate(text, vars);
  } catch (err) {
    const e = err as TemplateError;
    throw new Error(`${path}${e.line ? `:${e.line}` : ''}: ${e.message}`);
  }
}

/** Same search order as a template task: templates/ beside the playbook, beside it, the parent's; then the packaged ones. */
function readTemplate(src: string, local: LocalFiles): { path: string; text: string } {
  if (isAbsolute(src)) return { path: src, text: local.file(src) };
  const looked: string[] = [];
  for (const candidate of [`templates/${src}`, src]) {
    try {
      return { path: src, text: local.file(candidate) };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      looked.push(/looked in: (.*)\)$/.exec((err as Error).message)?.[1] ?? candidate);
    }
  }
  const builtin = builtinTemplate(src);
  if (builtin) return { path: builtin, text: local.file(builtin) };
  throw new Error(`template "${src}" not found (looked in: ${looked.join(', ')}, and among provision's own templates)`);
}
