/**
 * `vmidbt bench SUITE`: the benchmark suites the command line can start.
 * The cli layer sits below bench/ and may not import it, so bin/cli.ts
 * hands this function to cli/main.ts (which only declares the command).
 */
import { UserError } from '../base/errors.ts';

export const SUITES = ['vmi'] as const;

export async function benchCommand(suite: string, opts: Record<string, unknown>): Promise<number> {
  if (suite === 'vmi') {
    const { benchVmi } = await import('./vmi.ts');
    return benchVmi(opts);
  }
  throw new UserError(`unknown benchmark suite '${suite}' (known: ${SUITES.join(', ')})`, 2);
}
