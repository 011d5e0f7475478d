/**
 * What a loader reports when an image cannot boot: one line for the user.
 * `needMiB` is set when more guest RAM would fix it, so the command line can
 * say which option to pass.
 */
export class LoaderError extends Error {
  constructor(message: string, readonly needMiB?: number) {
    super(message);
  }
}
