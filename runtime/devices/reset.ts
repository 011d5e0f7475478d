/**
 * The two ways a PC's software resets it without a triple fault:
 *
 * - the reset control register at port 0xCF9 (PIIX/ICH chipsets, and the
 *   FADT's RESET_REG with value 6): a write that takes bit 2 (reset CPU)
 *   from 0 to 1 resets; bits 1-3 are kept and read back;
 * - the keyboard controller's "pulse reset line" command, 0xFE written to
 *   port 0x64. This machine has no 8042 otherwise (the FADT says so, and
 *   reads of 0x60/0x64 float to 0xFF as on a PC without one), but it keeps
 *   this one command, which every PC since the AT honours and which Linux
 *   tries when the ACPI reset register did not act.
 *
 * A reset ends the run (`reset` callback): vmidbt does not reboot a guest,
 * as QEMU with -no-reboot.
 */
import type { PortDevice } from './ports.ts';

export const RESET_CONTROL_PORT = 0xcf9;
/** what the FADT's RESET_VALUE writes to 0xCF9: system reset | reset CPU */
export const RESET_VALUE = 0x06;
export const KBC_COMMAND_PORT = 0x64;
const KBC_PULSE_RESET = 0xfe;

export class ResetControl implements PortDevice {
  readonly name = 'reset-control';
  private rcr = 0;

  constructor(private readonly reset: (how: string) => void) {}

  read(port: number, size: number): number {
    if (port === RESET_CONTROL_PORT) return this.rcr;
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  write(port: number, _size: number, value: number): void {
    if (port === KBC_COMMAND_PORT) {
      if ((value & 0xff) === KBC_PULSE_RESET) this.reset('keyboard controller reset (0xFE to port 0x64)');
      return;
    }
    const v = value & 0x0e;
    const rising = v & 4 && !(this.rcr & 4);
    this.rcr = v;
    if (rising) this.reset('reset control register (port 0xCF9)');
  }
}
