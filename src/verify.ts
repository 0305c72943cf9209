import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { parseFileState } from './facts.js';
import { redact } from './secret.js';
import { cmd, quote } from './shell.js';
import type { HostConnection } from './ssh/connection.js';

export { verifySchema, type VerifyCheck } from './playbook.js';
import type { VerifyCheck } from './playbook.js';

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

async function httpCheckRun(h: NonNullable<VerifyCheck["http"]>, conn: HostConnection, address: string): Promise<string[]> {
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
