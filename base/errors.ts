/** An expected failure the CLI reports as one line and an exit status. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
