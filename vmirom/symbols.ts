/**
 * Names and addresses of the VMI ROM's call slots, shared by the ROM builder,
 * the call table, the disassembler (`vmidbt disasm` labels each slot with its
 * call name) and, later, the translator, which recognises a `call` whose
 * target is a slot address and inlines or calls that call's function.
 *
 * Call N lives at ROM offset N*32 (ABI.md section 3); numbers 4..85 exist.
 * This module has no dependencies so that anything may import it.
 */

export const FIRST_CALL = 4;
export const LAST_CALL = 85;
export const SLOT_SIZE = 32;

/** VMI call names by number (ABI.md section 5), index = call number */
export const VMI_CALL_NAMES: readonly string[] = [
  '', '', '', '',
  'Init', 'CPUID', 'WRMSR', 'RDMSR', 'SetGDT', 'SetLDT', 'SetIDT', 'SetTR',
  'GetGDT', 'GetLDT', 'GetIDT', 'GetTR', 'WriteGDTEntry', 'WriteLDTEntry', 'WriteIDTEntry', 'UpdateKernelStack',
  'SetCR0', 'SetCR2', 'SetCR3', 'SetCR4', 'GetCR0', 'GetCR2', 'GetCR3', 'GetCR4',
  'INVD', 'WBINVD', 'SetDR', 'GetDR', 'RDPMC', 'RDTSC', 'CLTS', 'EnableInterrupts',
  'DisableInterrupts', 'GetInterruptMask', 'SetInterruptMask', 'IRET', 'SYSEXIT', 'Pause', 'Halt', 'Reboot',
  'Shutdown', 'SetPxE', 'GetPxE', 'SwapPxE', 'SetPxELong', 'GetPxELong', 'SwapPxELongAtomic', 'TestAndSetPxEBit',
  'TestAndClearPxEBit', 'AllocatePage', 'ReleasePage', 'InvalPage', 'FlushTLB', 'FlushDeferredCalls', 'SetLinearMapping', 'IN',
  'INB', 'INW', 'INS', 'INSB', 'INSW', 'OUT', 'OUTB', 'OUTW',
  'OUTS', 'OUTSB', 'OUTSW', 'SetIOPLMask', 'DeactivatePxELongAtomic', 'TestAndSetPxELongBit', 'TestAndClearPxELongBit', 'SetInitialAPState',
  'APICWrite', 'APICRead', 'IODelay', 'GetCycleFrequency', 'GetCycleCounter', 'SetAlarm', 'CancelAlarm', 'GetWallclockTime',
  'WallclockUpdated', 'SetDeferredMode',
];

/** call number by name */
export const VMI_CALL_NUMBERS: ReadonlyMap<string, number> = new Map(
  VMI_CALL_NAMES.map((n, k) => [n, k] as [string, number]).filter(([n]) => n !== ''),
);

export function callNumber(name: string): number {
  const n = VMI_CALL_NUMBERS.get(name);
  if (n === undefined) throw new Error(`no VMI call named ${name}`);
  return n;
}

export function slotOffset(n: number): number {
  return n * SLOT_SIZE;
}

/** The call whose slot starts exactly at `addr` for a ROM based at `base`, or undefined. */
export function callAtAddress(base: number, addr: number): number | undefined {
  const off = (addr - base) >>> 0;
  if (off % SLOT_SIZE !== 0) return undefined;
  const n = off / SLOT_SIZE;
  return n >= FIRST_CALL && n <= LAST_CALL ? n : undefined;
}

export interface RomSymbol {
  name: string;
  addr: number;
  /** data, not code (the header, the PCI data structure) */
  data?: boolean;
}

/** Labels for a listing of the ROM image loaded at `base`: header, every slot by call name, PCI data. */
export function romSymbols(base: number, pciOffset?: number): RomSymbol[] {
  const out: RomSymbol[] = [{ name: 'vmi_rom_header', addr: base, data: true }];
  for (let n = FIRST_CALL; n <= LAST_CALL; n++) out.push({ name: `VMI_${VMI_CALL_NAMES[n]}`, addr: base + slotOffset(n) });
  if (pciOffset !== undefined) out.push({ name: 'vmi_pci_data', addr: base + pciOffset, data: true });
  return out;
}

/** Is this a VMI option ROM image (0x55 0xAA, "cVmi" at 8)? Returns its PCI data offset, else undefined. */
export function vmiRomInfo(bytes: Uint8Array): { pciOffset: number; length: number } | undefined {
  if (bytes.length < 0x20 || bytes[0] !== 0x55 || bytes[1] !== 0xaa) return undefined;
  const sig = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  if (sig !== 0x696d5663) return undefined;
  return { pciOffset: bytes[0x18] | (bytes[0x19] << 8), length: bytes[2] * 512 };
}
