/**
 * The user-facing error type. A `UserError` is a failure the user can act
 * on (a bad option value, a missing or malformed image, a guest that cannot
 * run): `cli/main.ts` prints its message as one line on stderr and exits
 * with `exitCode`, never with a stack trace. Any layer may throw it; only
 * the command line catches it. Anything else that escapes is a bug in
 * vmidbt.
 */
import { EXIT_USAGE } from './exit-status.ts';

export class UserError extends Error {
  constructor(message: string, readonly exitCode = EXIT_USAGE) {
    super(message);
  }
}
