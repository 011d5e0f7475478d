/**
 * A minimal Linux bzImage built in memory, for tests of the boot-protocol
 * loader (runtime/loader/linux.ts) and of `vmidbt run`: a boot sector, the
 * setup sectors holding a setup header with the fields a test chooses, and
 * a protected-mode payload. The default payload exits through the
 * debug-exit port with the first byte of the kernel command line, so a run
 * shows that the zero page and the command line arrived.
 */
import { HDR } from '../runtime/loader/linux.ts';

/** mov eax,[esi+0x228] (cmd_line_ptr); movzx eax,byte [eax]; out 0xf4,al; hlt */
export const PAYLOAD = [0x8b, 0x86, 0x28, 0x02, 0x00, 0x00, 0x0f, 0xb6, 0x00, 0xe6, 0xf4, 0xf4];

export interface Fields {
  version?: number; loadflags?: number; xloadflags?: number; relocatable?: number; code32Start?: number;
  prefAddress?: number; initSize?: number; initrdAddrMax?: number; cmdlineSize?: number; setupSects?: number;
}

/** A minimal bzImage: one sector of boot sector, `setupSects` of setup holding the header, then the payload. */
export function bzImage(f: Fields = {}, payload = PAYLOAD): Uint8Array {
  const setupSects = f.setupSects ?? 1;
  const img = new Uint8Array((setupSects + 1) * 512 + payload.length);
  const dv = new DataView(img.buffer);
  img[HDR.setupSects] = setupSects;
  dv.setUint16(HDR.bootFlag, 0xaa55, true);
  img[HDR.jump] = 0xeb;
  img[HDR.jump + 1] = 0x66; // the header ends at 0x268
  dv.setUint32(HDR.magic, 0x53726448, true);
  dv.setUint16(HDR.version, f.version ?? 0x20f, true);
  img[HDR.loadflags] = f.loadflags ?? 0x81;
  dv.setUint32(HDR.code32Start, f.code32Start ?? 0x100000, true);
  dv.setUint32(HDR.initrdAddrMax, f.initrdAddrMax ?? 0x7fffffff, true);
  dv.setUint32(HDR.kernelAlignment, 0x200000, true);
  img[HDR.relocatable] = f.relocatable ?? 1;
  dv.setUint16(HDR.xloadflags, f.xloadflags ?? 0, true);
  dv.setUint32(HDR.cmdlineSize, f.cmdlineSize ?? 2047, true);
  dv.setUint32(HDR.prefAddress, f.prefAddress ?? 0x400000, true);
  dv.setUint32(HDR.initSize, f.initSize ?? 0x200000, true);
  img.set(payload, (setupSects + 1) * 512);
  return img;
}
