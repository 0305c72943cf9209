import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import * as z from 'zod';
import { parseFileState } from './facts.js';
import { absolutePath, accountName, fileMode, secretString } from './schemas.js';
import { redact } from './secret.js';
import { cmd, quote } from './shell.js';
import type { HostConnection } from './ssh/connection.js';

/**
 * `verify:` checks of a playbook, run by `provision test` after converging:
 * what the guides' "Verification and Testing" sections do by hand.
 */
const httpCheck = z.strictObject({
  url: z.string().url().describe('URL to request; its host name goes in the Host header and TLS SNI, the connection goes to the test host.'),
  method: z.string().regex(/^[A-Z]+$/).default('GET').describe('HTTP method.'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers to send.'),
  auth: z.strictObject({ user: z.string(), password: secretString }).optional().describe('Basic auth credentials.'),
  status: z.number().int().default(200).describe('Expected status code.'),
  response_headers: z.record(z.string(), z.string()).optional().describe('Expected response headers (value must contain this text).'),
  body_contains: z.union([z.string(), z.array(z.string())]).optional().describe('Text the body must contain.'),
  ca: z.string().optional().describe('CA certificate to trust for HTTPS: a path on the test host (read over SSH), or "insecure" to skip verification.'),
});

export const verifySchema = z
  .strictObject({
    name: z.string().optional().describe('What the check proves.'),
    http: httpCheck.optional().describe('An HTTP(S) request through the host\'s address.'),
    tcp: z.strictObject({ port: z.number().int().min(1).max(65535), state: z.enum(['open', 'closed']).default('open') }).optional().describe('A TCP port on the host, seen from the controller.'),
    command: z.strictObject({ cmd: z.string().min(1), exit_code: z.number().int().default(0), stdout_contains: z.union([z.string(), z.array(z.string())]).optional(), stdout_excludes: z.union([z.string(), z.array(z.string())]).optional() }).optional().describe('A command on the host (as root), its exit code and output.'),
    file: z.strictObject({ path: absolutePath, exists: z.boolean().default(true), owner: accountName.optional(), group: accountName.optional(), mode: fileMode.optional(), contains: z.union([z.string(), z.array(z.string())]).optional() }).optional().describe('A file\'s existence, owner, group, mode and content.'),
    unit: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9:_.@-]+$/), active: z.boolean().default(true), enabled: z.boolean().optional() }).optional().describe('A systemd unit active and enabled.'),
  })
  .refine((v) => [v.http, v.tcp, v.command, v.file, v.unit].filter(Boolean).length === 1, 'a check has exactly one of http, tcp, command, file, unit');

export type VerifyCheck = z.infer<typeof verifySchema>;

export interface VerifyResult {
  name: string;
  ok: boolean;
  detail: string;
}

export function checkName(c: VerifyCheck): string {
  if (c.name) return c.name;
  if (c.http) return `${c.http.method} ${c.http.url} → ${c.http.status}`;
  if (c.tcp) return `tcp ${c.tcp.port} ${c.tcp.state}`;
  if (c.command) return `command ${c.command.cmd}`;
  if (c.file) return `file ${c.file.path}`;
  return `unit ${c.unit!.name}`;
}

export async function runCheck(c: VerifyCheck, conn: HostConnection, address: string): Promise<VerifyResult> {
  const name = checkName(c);
  try {
    const problems = await check(c, conn, address);
    return { name, ok: problems.length === 0, detail: redact(problems.join('; ')) };
  } catch (err) {
    return { name, ok: false, detail: redact((err as Error).message) };
  }
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function check(c: VerifyCheck, conn: HostConnection, address: string): Promise<string[]> {
  const problems: string[] = [];
  if (c.tcp) {
    const open = await tcpOpen(address, c.tcp.port);
    if (open !== (c.tcp.state === 'open')) problems.push(`port ${c.tcp.port} is ${open ? 'open' : 'closed'}`);
  }
  if (c.command) {
    const r = await conn.runScript(`{\n${c.command.cmd}\n} </dev/null\n`, true);
    if (r.exitCode !== c.command.exit_code) problems.push(`exit code ${r.exitCode}, expected ${c.command.exit_code}: ${r.stderr.trim() || r.stdout.trim()}`);
    for (const t of list(c.command.stdout_contains)) if (!r.stdout.includes(t)) problems.push(`output lacks "${t}": ${r.stdout.trim().slice(0, 500)}`);
    for (const t of list(c.command.stdout_excludes)) if (r.stdout.includes(t)) problems.push(`output contains "${t}"`);
  }
  if (c.file) {
    const p = quote(c.file.path);
    const r = await conn.runScript(`if [ -e ${p} ]; then stat -c '%F|%a|%U|%G|%s' ${p}; printf -- '---\\n'; cat ${p}; else printf 'absent\\n'; fi`, true);
    const [head, ...rest] = r.stdout.split('\n---\n');
    const state = parseFileState(head);
    if (state.exists !== c.file.exists) problems.push(state.exists ? 'exists' : 'does not exist');
    if (state.exists) {
      if (c.file.owner && state.owner !== c.file.owner) problems.push(`owner ${state.owner}, expected ${c.file.owner}`);
      if (c.file.group && state.group !== c.file.group) problems.push(`group ${state.group}, expected ${c.file.group}`);
      if (c.file.mode && state.mode !== c.file.mode) problems.push(`mode ${state.mode}, expected ${c.file.mode}`);
      const content = rest.join('\n---\n');
      for (const t of list(c.file.contains)) if (!content.includes(t)) problems.push(`content lacks "${t}"`);
    }
  }
  if (c.unit) {
    const r = await conn.runScript(cmd('systemctl', 'show', '--property=ActiveState,UnitFileState', '--', c.unit.name), true);
    const active = /ActiveState=active/.test(r.stdout);
    const enabled = /UnitFileState=enabled/.test(r.stdout);
    if (active !== c.unit.active) problems.push(`${c.unit.name} is ${active ? 'active' : 'not active'}`);
    if (c.unit.enabled !== undefined && enabled !== c.unit.enabled) problems.push(`${c.unit.name} is ${enabled ? 'enabled' : 'not enabled'}`);
  }
  if (c.http) problems.push(...(await httpCheckRun(c.http, conn, address)));
  return problems;
}

async function httpCheckRun(h: z.infer<typeof httpCheck>, conn: HostConnection, address: string): Promise<string[]> {
  const url = new URL(h.url);
  const https = url.protocol === 'https:';
  let ca: string | undefined;
  if (https && h.ca && h.ca !== 'insecure') {
    const r = await conn.runScript(cmd('cat', '--', h.ca), true);
    if (r.exitCode !== 0) return [`cannot read CA ${h.ca} on the host: ${r.stderr.trim()}`];
    ca = r.stdout;
  }
  const headers: Record<string, string> = { host: url.host, ...(h.headers ?? {}) };
  if (h.auth) headers.authorization = `Basic ${Buffer.from(`${h.auth.user}:${h.auth.password.reveal()}`).toString('base64')}`;
  const response = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const options = {
      host: address,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: h.method,
      headers,
      servername: url.hostname,
      ca,
      rejectUnauthorized: h.ca !== 'insecure',
      timeout: 10_000,
    };
    const req = (https ? httpsRequest : httpRequest)(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: '' });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
  const problems: string[] = [];
  if (response.status !== h.status) problems.push(`status ${response.status}, expected ${h.status}`);
  for (const [k, v] of Object.entries(h.response_headers ?? {})) {
    const got = response.headers[k.toLowerCase()];
    const text = Array.isArray(got) ? got.join(', ') : got ?? '';
    if (!text.includes(v)) problems.push(`header ${k}: "${text}", expected it to contain "${v}"`);
  }
  for (const t of list(h.body_contains)) if (!response.body.includes(t)) problems.push(`body lacks "${t}": ${response.body.slice(0, 300)}`);
  return problems;
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 3000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}
