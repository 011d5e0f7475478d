/**
 * `vmidbt rom --out FILE`: write the VMI ROM image, e.g. to list it with
 * `vmidbt disasm FILE` (slots are labelled by call name) or to inspect it.
 */
import { writeFileSync } from 'node:fs';
import { UserError } from '../base/errors.ts';
import { buildRomImage, API_MAJOR, API_MINOR, ROM_SIZE } from '../vmirom/image.ts';
import { FIRST_CALL, LAST_CALL } from '../vmirom/symbols.ts';

export function romCommand(opts: { out: string }): number {
  const image = buildRomImage();
  try {
    writeFileSync(opts.out, image);
  } catch (e) {
    throw new UserError(`cannot write ${opts.out}: ${(e as Error).message}`);
  }
  process.stdout.write(`${opts.out}: VMI ROM ${API_MAJOR}.${API_MINOR}, ${ROM_SIZE} bytes, calls ${FIRST_CALL}..${LAST_CALL}\n`);
  return 0;
}
