/**
 * The VMI option ROM image of an ABI (abis.ts; ABI.md section 3).
 *
 * 4 KiB, so it fills exactly one page and can be made read-only as a whole:
 *
 *   0x000  option-ROM header: 0x55 0xAA, length in 512-byte units, romEntry
 *          (`retf`, what a BIOS's far call to the init vector expects),
 *          "cVmi" at 8, API version at 12 (minor) and 13 (major),
 *          pciHeaderOffset at 0x18; linux3 adds virtual_top at 0x10 and the
 *          offset of its license string at 0x16
 *   0x040  reserved for an ELF header (zero)
 *   code   each call of the ABI: `vmicall E` (0F 04 ib, E its entry) then
 *          `ret`, padded with int3 (IRET and SYSEXIT never reach their
 *          `ret`); revision 13 puts call N at N * 32, linux3 its Init and
 *          get_reloc at 0x80 and 0x88 (8 bytes each) and call N at
 *          0x100 + N * 32
 *   after  linux3's license string "GPL", then the PCI data structure
 *          "PCIR": vendor 0x15AD, device 0x0801
 *   0xFFF  checksum byte: makes the 8-bit sum of the image zero
 *
 * Slots are position independent (nothing in them names an address), so
 * the guest may call them wherever it maps the ROM.
 */
import type { VmiAbi } from './abis.ts';
import { VMICALL_OPCODE } from '../semantics/families/vmi.ts';

export const ROM_SIZE = 4096;
export const VMI_SIGNATURE = 0x696d5663; // "cVmi" in memory order
export const PCI_VENDOR_VMWARE = 0x15ad;
export const PCI_DEVICE_VMI = 0x0801;
/** base class 0x08 system peripheral, subclass 0x80 other: it is neither a bridge nor memory */
export const PCI_CLASS_VMI = 0x088000;
/** default physical address: the start of the option-ROM scan window */
export const ROM_DEFAULT_ADDRESS = 0xc8000;
/** header fields of VMI API 3.0 */
export const VIRTUAL_TOP_OFFSET = 0x10, LICENSE_OFFSET_FIELD = 0x16;
export const PCI_HEADER_OFFSET_FIELD = 0x18;

/** The bytes of a call's code: the hypervisor entry and the return (padding not included). */
export function slotCode(entry: number): number[] {
  return [...VMICALL_OPCODE, entry, 0xc3];
}

/** Where an ABI's image keeps its license string (linux3) and its PCI data structure. */
export function imageLayout(abi: VmiAbi): { license: number | undefined; pci: number } {
  const end = (abi.codeEnd + 15) & ~15;
  return abi.license ? { license: end, pci: (end + abi.license.length + 1 + 15) & ~15 } : { license: undefined, pci: end };
}

export function buildRomImage(abi: VmiAbi): Uint8Array {
  const rom = new Uint8Array(ROM_SIZE);
  const w16 = (at: number, v: number) => { rom[at] = v & 0xff; rom[at + 1] = (v >>> 8) & 0xff; };
  const w32 = (at: number, v: number) => { w16(at, v & 0xffff); w16(at + 2, v >>> 16); };
  const layout = imageLayout(abi);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[2] = ROM_SIZE / 512;
  rom.set([0xcb, 0x90, 0x90, 0x90], 3); // romEntry: retf and padding
  w32(8, VMI_SIGNATURE);
  rom[12] = abi.minor;
  rom[13] = abi.major;
  if (abi.virtualTop !== undefined) w32(VIRTUAL_TOP_OFFSET, abi.virtualTop);
  if (layout.license !== undefined) {
    w16(LICENSE_OFFSET_FIELD, layout.license);
    rom.set([...abi.license!].map((ch) => ch.charCodeAt(0)), layout.license);
  }
  w16(PCI_HEADER_OFFSET_FIELD, layout.pci);
  w16(0x1a, 0); // no PnP header

  for (const c of abi.calls) {
    // linux3's two header entry points have 8 bytes each
    rom.fill(0xcc, c.offset, c.offset + (c.number === undefined ? 8 : 32));
    rom.set(slotCode(c.entry), c.offset);
  }

  // PCI Firmware Specification, 5.1: the PCI data structure of an expansion ROM image
  const p = layout.pci;
  rom.set([0x50, 0x43, 0x49, 0x52], p); // "PCIR"
  w16(p + 4, PCI_VENDOR_VMWARE);
  w16(p + 6, PCI_DEVICE_VMI);
  w16(p + 8, 0); // no vital product data
  w16(p + 10, 0x18); // structure length
  rom[p + 12] = 0; // structure revision
  rom[p + 13] = PCI_CLASS_VMI & 0xff;
  rom[p + 14] = (PCI_CLASS_VMI >>> 8) & 0xff;
  rom[p + 15] = PCI_CLASS_VMI >>> 16;
  w16(p + 16, ROM_SIZE / 512); // image length
  w16(p + 18, (abi.major << 8) | abi.minor); // code revision: the API version
  rom[p + 20] = 0; // code type: x86 PC-AT
  rom[p + 21] = 0x80; // last image

  let sum = 0;
  for (let k = 0; k < ROM_SIZE - 1; k++) sum += rom[k];
  rom[ROM_SIZE - 1] = (256 - (sum & 0xff)) & 0xff;
  return rom;
}
