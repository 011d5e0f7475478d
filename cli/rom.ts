/**
 * `vmidbt rom --out FILE [--vmi-abi ABI]`: write the VMI ROM image of an ABI,
 * e.g. to list it with `vmidbt disasm FILE` (calls are labelled by name) or
 * to inspect it.
 */
import { writeFileSync } from 'node:fs';
import { UserError } from '../base/errors.ts';
import { buildRomImage, ROM_SIZE } from '../vmirom/image.ts';
import { ABIS, ABI_IDS, type AbiId, type VmiAbi } from '../vmirom/abis.ts';

/** The ABI a --vmi-abi value names, or a clear error. */
export function abiOption(value: string | undefined): VmiAbi {
  const id = value ?? 'proposal';
  if (!(ABI_IDS as readonly string[]).includes(id)) {
    throw new UserError(`--vmi-abi must be one of ${ABI_IDS.join(', ')}, got '${id}'`, 2);
  }
  return ABIS[id as AbiId];
}

export function romCommand(opts: { out: string; vmiAbi?: string }): number {
  const abi = abiOption(opts.vmiAbi);
  const image = buildRomImage(abi);
  try {
    writeFileSync(opts.out, image);
  } catch (e) {
    throw new UserError(`cannot write ${opts.out}: ${(e as Error).message}`);
  }
  const numbers = abi.calls.flatMap((c) => (c.number === undefined ? [] : [c.number]));
  process.stdout.write(`${opts.out}: VMI ROM ${abi.major}.${abi.minor} (${abi.title}), ${ROM_SIZE} bytes, ` +
    `${abi.calls.length} calls numbered ${Math.min(...numbers)}..${Math.max(...numbers)}\n`);
  return 0;
}
