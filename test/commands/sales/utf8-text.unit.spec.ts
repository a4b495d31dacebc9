import { expect } from 'chai';
import { utf8Text } from '../../../src/commands/sales/utf8-text.js';

/** The text of `chunks` read by one decoder. */
const read = (...chunks: Buffer[]): string => {
  const decoder = utf8Text();
  return chunks.map((chunk) => decoder.write(chunk)).join('') + decoder.end();
};

describe('utf8Text (the CSV import\'s decoder)', () => {
  it('reads UTF-8 whatever chunk boundary cuts its sequences, a genuine U+FFFD included', () => {
    const text = 'Zoë € 𝄞 M\ufffdller, 李';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) expect(read(bytes.subarray(0, cut), bytes.subarray(cut)), `cut at ${cut}`).to.equal(text);
    expect(read(...[...bytes].map((byte) => Buffer.from([byte])))).to.equal(text);
  });

  it('reads each byte that starts no valid sequence as U+0000: Latin-1, a stray continuation, overlong, a surrogate, past U+10FFFF', () => {
    expect(read(Buffer.from('J\xfcrgen', 'latin1'))).to.equal('J\u0000rgen');
    expect(read(Buffer.from([0x41, 0x80, 0x42]))).to.equal('A\u0000B');
    expect(read(Buffer.from([0xc0, 0x80]))).to.equal('\u0000\u0000');
    expect(read(Buffer.from([0xed, 0xa0, 0x80]))).to.equal('\u0000\u0000\u0000');
    expect(read(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).to.equal('\u0000\u0000\u0000\u0000');
  });

  it('reads a sequence the stream ends inside as U+0000s, and an interrupted one as U+0000 before what follows', () => {
    expect(read(Buffer.from('ok'), Buffer.from([0xe2, 0x82]))).to.equal('ok\u0000\u0000');
    expect(read(Buffer.from([0xe2, 0x82]), Buffer.from('x'))).to.equal('\u0000\u0000x');
  });
});
