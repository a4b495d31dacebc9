import { expect } from 'chai';
import { InvalidAppendError } from '../../../src/events/log/port.js';
import { parseStreamName, streamName } from '../../../src/events/log/stream-name.js';

const refusal = (name: unknown): string => {
  try {
    parseStreamName(name as string);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidAppendError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(name)} was accepted`);
};

describe('stream names', () => {
  it('parse back into the parts they were built from', () => {
    for (const [tenant, type, id] of [
      ['acme', 'sales.contact', '0190f3c2-7a1b-7c3d-8e4f-123456789abc'],
      ['platform', 'identity.user', 'u_1'],
      ['t-1', 'a.b.c.d', 'X'],
      ['0', 'quote', 'a'.repeat(128)],
    ] as const) {
      expect(parseStreamName(streamName(tenant, type, id))).to.deep.equal({ tenantId: tenant, aggregateType: type, id });
    }
  });

  it('name the part that is wrong', () => {
    expect(refusal('ACME/sales.contact/1')).to.equal('Invalid tenant in stream name: "ACME"');
    expect(refusal('acme/sales..contact/1')).to.equal('Invalid aggregate type in stream name: "sales..contact"');
    expect(refusal('acme/a.b.c.d.e/1')).to.equal('Invalid aggregate type in stream name: "a.b.c.d.e"');
    expect(refusal('acme/sales.contact/-1')).to.equal('Invalid id in stream name: "-1"');
    expect(refusal(`acme/sales.contact/${'a'.repeat(129)}`)).to.match(/^Invalid id in stream name/);
  });

  it('refuse anything that is not three parts', () => {
    for (const bad of ['', 'acme', 'acme/x', 'a/b/c/d', 'acme/sales.contact/', 42, null]) {
      expect(refusal(bad)).to.match(/^Invalid (stream name|id in stream name|aggregate type)/);
    }
  });
});
