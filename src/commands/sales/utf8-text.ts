/**
 * A streaming UTF-8 decoder for uploads that tells a file's bytes that are not UTF-8 (a Latin-1 or
 * Windows-1252 export) from a genuine U+FFFD in the text: each byte that starts no valid sequence
 * becomes U+0000, which the import refuses (`invalid_text`) as it refuses a NUL in a JSON body,
 * while U+FFFD, which the JSON API takes, passes through (an exported record imports again). Node's
 * decoders turn both into U+FFFD. A sequence cut by a chunk's end is completed by the next chunk.
 */
import { isUtf8 } from 'node:buffer';

/** The length of the sequence `lead` starts, 0 if no valid sequence starts with it (RFC 3629). */
const sequenceLength = (lead: number): number =>
  lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;

/** Where the bytes can be decoded up to: before a last sequence the chunk's end cuts, else the end. */
const completeUpTo = (bytes: Uint8Array): number => {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) return sequenceLength(byte) > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
};

/** The bytes with each one that is not part of a valid sequence replaced by 0x00. */
const withInvalidAsNul = (bytes: Uint8Array): Buffer => {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length;) {
    const length = sequenceLength(out[i]!);
    // ASCII needs no check: isUtf8 on each byte's subarray made a Latin-1 file's read ~100 times slower.
    if (length === 1) i += 1;
    else if (length > 0 && i + length <= out.length && isUtf8(out.subarray(i, i + length))) i += length;
    else out[i++] = 0;
  }
  return out;
};

const decode = (bytes: Uint8Array): string => (isUtf8(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : withInvalidAsNul(bytes)).toString('utf8');

/** A decoder for one stream: `write` each chunk, then `end` for what a cut sequence left. */
export const utf8Text = () => {
  let carry: Uint8Array = new Uint8Array(0);
  return {
    write: (chunk: Uint8Array): string => {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeUpTo(bytes);
      carry = Uint8Array.from(bytes.subarray(end));
      return decode(bytes.subarray(0, end));
    },
    end: (): string => {
      const rest = carry;
      carry = new Uint8Array(0);
      return decode(rest);
    },
  };
};
