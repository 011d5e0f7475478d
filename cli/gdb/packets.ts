/**
 * The framing of the GDB remote serial protocol: what travels on the TCP
 * connection between gdb and the stub (gdb's manual, "Remote Protocol",
 * "Overview").
 *
 * A packet is `$data#cc`, `cc` the modulo-256 sum of the data bytes in two
 * hex digits. The receiver acknowledges each with `+` (or asks for it again
 * with `-`) until both sides agree on no-ack mode. A lone 0x03 byte outside
 * a packet is an interrupt request (Ctrl-C). Inside binary data (`X`
 * packets, `x` replies) `#`, `$`, `}` and `*` travel escaped as `}` followed
 * by the byte xor 0x20.
 *
 * `PacketReader` turns the byte stream into events and never throws:
 * garbage between packets is skipped, a packet with a bad checksum is
 * reported (the stub answers `-`), one longer than `MAX_PACKET` is dropped.
 * Packet data is handled as latin1 strings, one character per byte.
 */

/** The longest packet the stub accepts (and tells gdb in qSupported's PacketSize). */
export const MAX_PACKET = 0x4000;

export type WireEvent =
  | { kind: 'packet'; data: string }
  | { kind: 'bad-checksum'; data: string }
  | { kind: 'interrupt' }
  | { kind: 'ack' }
  | { kind: 'nack' };

export function checksum(data: string): number {
  let sum = 0;
  for (let k = 0; k < data.length; k++) sum = (sum + data.charCodeAt(k)) & 0xff;
  return sum;
}

/** `$data#cc` for a reply (data as latin1). */
export function frame(data: string): Buffer {
  return Buffer.from(`$${data}#${checksum(data).toString(16).padStart(2, '0')}`, 'latin1');
}

/** Escape binary bytes for an `x` reply. */
export function escapeBinary(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) out += '}' + String.fromCharCode(b ^ 0x20);
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Undo `}` escapes of an `X` packet's data; null when it ends inside an escape. */
export function unescapeBinary(data: string): Uint8Array | null {
  const out: number[] = [];
  for (let k = 0; k < data.length; k++) {
    const c = data.charCodeAt(k);
    if (c !== 0x7d) { out.push(c); continue; }
    if (++k >= data.length) return null;
    out.push(data.charCodeAt(k) ^ 0x20);
  }
  return Uint8Array.from(out);
}

const enum State { IDLE, DATA, CHECK1, CHECK2 }

/** Bytes in, wire events out. */
export class PacketReader {
  private state = State.IDLE;
  private data: string[] = [];
  private size = 0;
  private check = '';
  private tooLong = false;

  /** Feed received bytes; returns the complete events they finish. */
  push(bytes: Uint8Array): WireEvent[] {
    const events: WireEvent[] = [];
    for (const b of bytes) {
      const e = this.byte(b);
      if (e) events.push(e);
    }
    return events;
  }

  private byte(b: number): WireEvent | null {
    switch (this.state) {
      case State.IDLE:
        if (b === 0x24) this.start();
        else if (b === 0x03) return { kind: 'interrupt' };
        else if (b === 0x2b) return { kind: 'ack' };
        else if (b === 0x2d) return { kind: 'nack' };
        return null; // anything else between packets is noise
      case State.DATA:
        if (b === 0x23) { this.state = State.CHECK1; return null; }
        // a new `$` inside a packet: the old one was cut short, start over
        if (b === 0x24) { this.start(); return null; }
        if (this.size < MAX_PACKET) { this.data.push(String.fromCharCode(b)); this.size++; } else this.tooLong = true;
        return null;
      case State.CHECK1:
        this.check = String.fromCharCode(b);
        this.state = State.CHECK2;
        return null;
      case State.CHECK2: {
        this.state = State.IDLE;
        const data = this.data.join('');
        this.data = [];
        if (this.tooLong) return null;
        const want = Number.parseInt(this.check + String.fromCharCode(b), 16);
        return /^[0-9a-fA-F]{2}$/.test(this.check + String.fromCharCode(b)) && want === checksum(data)
          ? { kind: 'packet', data } : { kind: 'bad-checksum', data };
      }
    }
  }

  private start(): void {
    this.state = State.DATA;
    this.data = [];
    this.size = 0;
    this.tooLong = false;
  }
}

/** Bytes as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Hex text to bytes; null if it is not an even number of hex digits. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** A hex number of at most 8 digits (a 32-bit address, length or value); null if it is not one. */
export function hexNumber(text: string): number | null {
  return /^[0-9a-fA-F]{1,8}$/.test(text) ? Number.parseInt(text, 16) : null;
}

/** A 32-bit value in target (little-endian) byte order, as hex. */
export function le32(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString('hex');
}
