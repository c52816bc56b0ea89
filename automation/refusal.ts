/**
 * What the offline run refuses because AWS or the engine would refuse it: a name over a limit or
 * already taken, a duplicate URN, a subnet layout awsx rejects. Each kind extends this one class, so
 * the synth reports any of them as bad input (exit 2, no stack trace) without listing them.
 */
export class OfflineRefusalError extends Error {}
