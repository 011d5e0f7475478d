/** `vmidbt disasm`: being written. */
import { UserError } from './errors.ts';

export async function disasmCommand(_image: string, _opts: Record<string, unknown>): Promise<number> {
  throw new UserError('disasm is not implemented yet');
}
