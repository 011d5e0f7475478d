/**
 * Names and addresses of a VMI ROM's calls, for the disassembler (`vmidbt
 * disasm` labels each call's code with its name) and for the translator,
 * which recognises a `call` whose target is a call's code and inlines or
 * calls that call (translator/inline/call-sites.ts).
 *
 * Everything is per ABI (abis.ts): revision 13 puts call N at ROM offset
 * N * 32, linux3 elsewhere. Depends on abis.ts only.
 */
import { abiOfHeader, type AbiCall, type VmiAbi } from './abis.ts';

/** The call whose code starts exactly at `addr` for a ROM of `abi` based at `base`, or undefined. */
export function callAtAddress(abi: VmiAbi, base: number, addr: number): AbiCall | undefined {
  return abi.atOffset((addr - base) >>> 0);
}

/** The address of the call the ABI numbers `n` (or names `n`) in a ROM based at `base`. */
export function callAddress(abi: VmiAbi, base: number, n: number | string): number {
  const c = typeof n === 'number' ? abi.byNumber(n) : abi.calls.find((k) => k.name === n);
  if (!c) throw new Error(`${abi.id} has no VMI call ${n}`);
  return base + c.offset;
}

export interface RomSymbol {
  name: string;
  addr: number;
  /** data, not code (the header, the PCI data structure) */
  data?: boolean;
}

/** Labels for a listing of the ROM image loaded at `base`: header, every call by name, PCI data. */
export function romSymbols(abi: VmiAbi, base: number, pciOffset?: number): RomSymbol[] {
  const out: RomSymbol[] = [{ name: 'vmi_rom_header', addr: base, data: true }];
  for (const c of [...abi.calls].sort((a, b) => a.offset - b.offset)) out.push({ name: `VMI_${c.name}`, addr: base + c.offset });
  if (pciOffset !== undefined) out.push({ name: 'vmi_pci_data', addr: base + pciOffset, data: true });
  return out;
}

/** Is this a VMI option ROM image (0x55 0xAA, "cVmi" at 8, a version we know)? Its ABI and PCI data offset, else undefined. */
export function vmiRomInfo(bytes: Uint8Array): { abi: VmiAbi; pciOffset: number; length: number } | undefined {
  if (bytes.length < 0x20 || bytes[0] !== 0x55 || bytes[1] !== 0xaa) return undefined;
  const sig = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  if (sig !== 0x696d5663) return undefined;
  const abi = abiOfHeader(bytes[13], bytes[12]);
  if (!abi) return undefined;
  return { abi, pciOffset: bytes[0x18] | (bytes[0x19] << 8), length: bytes[2] * 512 };
}
