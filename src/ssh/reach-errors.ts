/** Why one SSH server along the way could not be reached; the message is for the user. */
export class SshReachError extends Error {}

/** The server closed (or reset) the connection before its SSH greeting: see greeting-retry.ts. */
export class RefusedBeforeGreeting extends SshReachError {}

/** RefusedBeforeGreeting on every attempt greeting-retry.ts made. */
export class RefusedOnEveryAttempt extends SshReachError {}
