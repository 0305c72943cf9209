import { redact } from './secret.js';

/**
 * The error hierarchy. Every failure the user can cause or meet is one of these;
 * `exitCodeFor` and `formatError` in cli-errors.ts turn them into an exit status
 * and a message in one place.
 */
export class ProvisionError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = new.target.name;
  }
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** Bad input: YAML, schema, inventory, variables, templates. Raised before any host is touched. */
export class ConfigError extends ProvisionError {
  constructor(
    readonly problem: string,
    readonly where?: SourceLocation,
    readonly field?: string,
  ) {
    super(formatConfigError(problem, where, field));
  }
}

function formatConfigError(problem: string, where?: SourceLocation, field?: string): string {
  let prefix = '';
  if (where) {
    prefix = where.file;
    if (where.line) prefix += `:${where.line}`;
    if (where.line && where.column) prefix += `:${where.column}`;
    prefix += ': ';
  }
  return `${prefix}${field ? `${field}: ` : ''}${problem}`;
}

/** Several config errors at once, so the user fixes them in one go. */
export class ConfigErrors extends ProvisionError {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

/** The host could not be reached or refused us (network, auth, host key). */
export class ConnectError extends ProvisionError {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host}: unreachable: ${reason}`);
  }
}

/** A command on the host failed. */
export class CommandError extends ProvisionError {
  constructor(
    readonly host: string,
    readonly task: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `${host}: task "${task}" failed: \`${command}\` exited ${exitCode ?? 'by signal'}` +
        (stderr.trim() ? `:\n${indent(stderr.trim())}` : ''),
    );
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
