/**
 * The VMI option ROM image (ABI.md section 3).
 *
 * 4 KiB, so it fills exactly one page and can be made read-only as a whole:
 *
 *   0x000  option-ROM header: 0x55 0xAA, length in 512-byte units, romEntry
 *          (`retf`, what a BIOS's far call to the init vector expects),
 *          "cVmi" at 8, API version 13.1 at 12/13, pciHeaderOffset at 0x18
 *   0x040  reserved for an ELF header (zero)
 *   N*32   call slot N (4 <= N <= 85): `vmicall N` (0F 04 ib) then `ret`,
 *          padded with int3; IRET and SYSEXIT never reach their `ret`
 *   0xAC0  PCI data structure "PCIR": vendor 0x15AD, device 0x0801
 *   0xFFF  checksum byte: makes the 8-bit sum of the image zero
 *
 * Slots are position independent (nothing in them names an address), so
 * the guest may call them wherever it maps the ROM.
 */
import { FIRST_CALL, LAST_CALL, SLOT_SIZE, slotOffset } from './symbols.ts';
import { VMICALL_OPCODE } from '../semantics/families/vmi.ts';

export const ROM_SIZE = 4096;
export const VMI_SIGNATURE = 0x696d5663; // "cVmi" in memory order
export const API_MAJOR = 13;
export const API_MINOR = 1;
export const PCI_VENDOR_VMWARE = 0x15ad;
export const PCI_DEVICE_VMI = 0x0801;
/** base class 0x08 system peripheral, subclass 0x80 other: it is neither a bridge nor memory */
export const PCI_CLASS_VMI = 0x088000;
export const PCI_DATA_OFFSET = (LAST_CALL + 1) * SLOT_SIZE;
/** default physical address: the start of the option-ROM scan window */
export const ROM_DEFAULT_ADDRESS = 0xc8000;

/** The bytes of slot N: the hypervisor entry and the return (padding not included). */
export function slotCode(n: number): number[] {
  return [...VMICALL_OPCODE, n, 0xc3];
}

export function buildRomImage(): Uint8Array {
  const rom = new Uint8Array(ROM_SIZE);
  const w16 = (at: number, v: number) => { rom[at] = v & 0xff; rom[at + 1] = (v >>> 8) & 0xff; };
  const w32 = (at: number, v: number) => { w16(at, v & 0xffff); w16(at + 2, v >>> 16); };
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[2] = ROM_SIZE / 512;
  rom.set([0xcb, 0x90, 0x90, 0x90], 3); // romEntry: retf and padding
  w32(8, VMI_SIGNATURE);
  rom[12] = API_MINOR;
  rom[13] = API_MAJOR;
  w16(0x18, PCI_DATA_OFFSET);
  w16(0x1a, 0); // no PnP header

  for (let n = FIRST_CALL; n <= LAST_CALL; n++) {
    const at = slotOffset(n);
    rom.fill(0xcc, at, at + SLOT_SIZE);
    rom.set(slotCode(n), at);
  }

  // PCI Firmware Specification, 5.1: the PCI data structure of an expansion ROM image
  const p = PCI_DATA_OFFSET;
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
  w16(p + 18, (API_MAJOR << 8) | API_MINOR); // code revision: the API version
  rom[p + 20] = 0; // code type: x86 PC-AT
  rom[p + 21] = 0x80; // last image

  let sum = 0;
  for (let k = 0; k < ROM_SIZE - 1; k++) sum += rom[k];
  rom[ROM_SIZE - 1] = (256 - (sum & 0xff)) & 0xff;
  return rom;
}
