/** A problem with the ssh config: a message that starts with file:line where there is one. */
export class SshConfigError extends Error {}
