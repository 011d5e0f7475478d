/**
 * The protocol's framing on its own: checksums, framing, escapes, and a
 * reader that survives whatever bytes arrive.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PACKET, PacketReader, checksum, escapeBinary, frame, fromHex, hexNumber, unescapeBinary } from './packets.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('gdb packets', () => {
  it('frames data with the modulo-256 checksum', () => {
    expect(checksum('')).toBe(0);
    expect(checksum('OK')).toBe(0x9a);
    expect(frame('OK').toString('latin1')).toBe('$OK#9a');
    expect(frame('qSupported').toString('latin1')).toBe('$qSupported#37');
  });

  it('reads packets split anywhere, acks, and Ctrl-C between packets', () => {
    const r = new PacketReader();
    const wire = '+$g#67$m10,4#\x03-' + '-$?#3f';
    const events = [...wire].flatMap((c) => r.push(bytes(c)));
    // bytes in the checksum's place are checksum digits, whatever they are: that packet is bad
    expect(events.map((e) => e.kind)).toEqual(['ack', 'packet', 'bad-checksum', 'nack', 'packet']);
    expect(events[1]).toEqual({ kind: 'packet', data: 'g' });
    expect(events[4]).toEqual({ kind: 'packet', data: '?' });
    expect(new PacketReader().push(bytes('\x03$c#63'))).toEqual([{ kind: 'interrupt' }, { kind: 'packet', data: 'c' }]);
  });

  it('reports bad checksums, skips noise, restarts on a new $', () => {
    const r = new PacketReader();
    expect(r.push(bytes('$g#00'))).toEqual([{ kind: 'bad-checksum', data: 'g' }]);
    expect(r.push(bytes('$g#zz'))).toEqual([{ kind: 'bad-checksum', data: 'g' }]);
    expect(r.push(bytes('noise\x00\xff$g#67'))).toEqual([{ kind: 'packet', data: 'g' }]);
    expect(r.push(bytes('$m0,4$g#67'))).toEqual([{ kind: 'packet', data: 'g' }]);
  });

  it('drops a packet longer than MAX_PACKET and reads the next one', () => {
    const r = new PacketReader();
    const long = 'M' + '0'.repeat(MAX_PACKET + 10);
    expect(r.push(frame(long))).toEqual([]);
    expect(r.push(frame('g'))).toEqual([{ kind: 'packet', data: 'g' }]);
  });

  it('escapes and unescapes binary data', () => {
    const data = Uint8Array.from([0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff, 0x41]);
    const esc = escapeBinary(data);
    expect(esc).toBe('}\x03}\x04}]}\x0a\x00\xffA');
    expect(unescapeBinary(esc)).toEqual(data);
    expect(unescapeBinary('ab}')).toBeNull();
  });

  it('parses hex strictly', () => {
    expect(hexNumber('c0105120')).toBe(0xc0105120);
    expect(hexNumber('')).toBeNull();
    expect(hexNumber('123456789')).toBeNull();
    expect(hexNumber('-1')).toBeNull();
    expect(fromHex('0a0B')).toEqual(Uint8Array.from([10, 11]));
    expect(fromHex('abc')).toBeNull();
    expect(fromHex('zz')).toBeNull();
  });
});
