import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { ftsQuery, parseFilter, type FilterNode } from '../../src/queries/filter.js';

/** The error a call must throw; fails the test when it returns. */
const thrown = (fn: () => unknown): InvalidInputError => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an error');
};

const filterFailure = (text: string) => {
  const error = thrown(() => parseFilter(text));
  expect(error.code).to.equal('invalid_filter');
  expect(error.status).to.equal(400);
  expect(error.errors).to.have.length(1);
  expect(error.errors[0]!.pointer).to.equal('/filter');
  return { position: error.extra.position, message: error.errors[0]!.message, full: error.message };
};

const nested = (levels: number): string => 'and('.repeat(levels) + 'a[eq]:1' + ')'.repeat(levels);

describe('the filter language', () => {
  describe('parses', () => {
    it('the design example into an AST with the position of every comparison', () => {
      const text = 'and(stage[eq]:"won",amount.amount[gte]:100000,not(tags[in]:["x"]))';
      const expected: FilterNode = {
        kind: 'and',
        items: [
          { kind: 'comparison', field: 'stage', op: 'eq', value: 'won', position: 4, valuePosition: 14 },
          { kind: 'comparison', field: 'amount.amount', op: 'gte', value: 100000, position: 20, valuePosition: 39 },
          { kind: 'not', item: { kind: 'comparison', field: 'tags', op: 'in', value: ['x'], position: 50, valuePosition: 59 } },
        ],
      };
      expect(parseFilter(text)).to.deep.equal(expected);
    });

    it('a bare comparison at the top level', () => {
      expect(parseFilter('lastName[startsWith]:"Sm"')).to.deep.include({ field: 'lastName', op: 'startsWith', value: 'Sm' });
    });

    it('every operator', () => {
      for (const op of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'startsWith']) {
        expect(parseFilter(`f[${op}]:"v"`)).to.deep.include({ op, value: 'v' });
      }
      expect(parseFilter('f[in]:[1,"a",true]')).to.deep.include({ op: 'in', value: [1, 'a', true] });
      expect(parseFilter('f[is]:null')).to.deep.include({ op: 'is', value: 'null' });
      expect(parseFilter('f[is]:not_null')).to.deep.include({ op: 'is', value: 'not_null' });
    });

    it('JSON strings with escapes, numbers in every JSON form, and booleans', () => {
      expect(parseFilter(String.raw`f[eq]:"a\"b\\c\u00e9\n"`)).to.deep.include({ value: 'a"b\\cé\n' });
      expect(parseFilter('f[eq]:-12.5e2')).to.deep.include({ value: -1250 });
      expect(parseFilter('f[eq]:0')).to.deep.include({ value: 0 });
      expect(parseFilter('f[eq]:false')).to.deep.include({ value: false });
      expect(parseFilter(`f[eq]:${Number.MAX_SAFE_INTEGER}`)).to.deep.include({ value: Number.MAX_SAFE_INTEGER });
    });

    it('with whitespace between tokens, and or/and/not as field names when no "(" follows', () => {
      expect(parseFilter(' or( a [eq] : 1 ,\n b[eq]:2 ) ')).to.deep.equal({
        kind: 'or',
        items: [
          { kind: 'comparison', field: 'a', op: 'eq', value: 1, position: 5, valuePosition: 14 },
          { kind: 'comparison', field: 'b', op: 'eq', value: 2, position: 19, valuePosition: 25 },
        ],
      });
      expect(parseFilter('and[eq]:1')).to.deep.include({ field: 'and' });
    });

    it('a blank filter as no filter', () => {
      expect(parseFilter(undefined)).to.equal(undefined);
      expect(parseFilter('   ')).to.equal(undefined);
    });

    it('up to the bounds: 8 levels, 50 comparisons, 100 list items, 500-character strings', () => {
      expect(() => parseFilter(nested(8))).not.to.throw();
      expect(() => parseFilter(`and(${Array.from({ length: 50 }, () => 'a[eq]:1').join(',')})`)).not.to.throw();
      expect(() => parseFilter(`a[in]:[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`)).not.to.throw();
      expect(() => parseFilter(`a[eq]:"${'x'.repeat(500)}"`)).not.to.throw();
    });
  });

  describe('refuses with the position of the problem', () => {
    const cases: [string, string, number, RegExp][] = [
      ['a missing colon', 'stage[eq]"won"', 9, /expected ':'/],
      ['an unknown operator', 'stage[eqq]:"won"', 6, /unknown operator 'eqq'/],
      ['an unterminated string', 'stage[eq]:"won', 10, /unterminated string/],
      ['an unquoted string', 'stage[eq]:won', 10, /unknown value 'won'/],
      ['an unclosed group', 'and(stage[eq]:1', 15, /expected '\)'/],
      ['an empty group', 'and()', 4, /expected a field name/],
      ['an unknown combinator', 'xor(a[eq]:1)', 0, /unknown combinator 'xor'/],
      ['not() with two conditions', 'not(a[eq]:1,b[eq]:2)', 0, /exactly one condition/],
      ['two conditions without a combinator', 'a[eq]:1 b[eq]:2', 8, /unexpected 'b'/],
      ['a number beyond double range', 'a[eq]:1e400', 6, /number out of range/],
      ['a number beyond MAX_SAFE_INTEGER', 'a[eq]:9007199254740993', 6, /number out of range/],
      ['a malformed number', 'a[eq]:-x', 6, /invalid number/],
      ['a bad JSON escape', String.raw`a[eq]:"\x"`, 6, /invalid string/],
      ['a raw control character in a string', 'a[eq]:"x\ny"', 6, /invalid string/],
      ['a scalar for [in]', 'a[in]:1', 6, /takes a list/],
      ['a list for [eq]', 'a[eq]:[1]', 6, /only goes with \[in\]/],
      ['null for [eq]', 'a[eq]:null', 6, /\[is\]:null/],
      ['a string for [is]', 'a[is]:"null"', 6, /null or not_null/],
      ['not_null outside [is]', 'a[eq]:not_null', 6, /only goes with \[is\]/],
      ['an empty list', 'a[in]:[]', 7, /at least one value/],
      ['a nested list', 'a[in]:[[1]]', 7, /cannot be nested/],
      ['null in a list', 'a[in]:[1,null]', 9, /cannot hold null/],
      ['a dangling dot', 'a.[eq]:1', 2, /field name after "."/],
      ['SQL in a field name', 'field"; DROP TABLE deals; --[eq]:1', 5, /expected '\['/],
      ['a comparison without a value', 'a[eq]:', 6, /expected a value/],
    ];
    for (const [name, text, position, message] of cases) {
      it(name, () => {
        const failure = filterFailure(text);
        expect(failure.position, failure.full).to.equal(position);
        expect(failure.message).to.match(message);
        expect(failure.full).to.contain(`position ${position}`);
      });
    }

    it('nesting of 9 levels, at the ninth group', () => {
      expect(filterFailure(nested(9))).to.deep.include({ position: 8 * 4, message: 'nested deeper than 8 levels' });
    });

    it('a 51st comparison, at that comparison', () => {
      const text = `or(${Array.from({ length: 51 }, () => 'a[eq]:1').join(',')})`;
      expect(filterFailure(text)).to.deep.include({ position: 3 + 50 * 8, message: 'more than 50 comparisons' });
    });

    it('a 101st list item, at that item', () => {
      const items = Array.from({ length: 101 }, () => 1).join(',');
      expect(filterFailure(`a[in]:[${items}]`)).to.deep.include({ position: 7 + 100 * 2 });
    });

    it('a string of 501 characters, at the string', () => {
      expect(filterFailure(`a[eq]:"${'x'.repeat(501)}"`)).to.deep.include({ position: 6 });
    });

    it('a filter longer than 2,000 characters, at character 2,000', () => {
      const text = `a[eq]:"${'x'.repeat(400)}",`.repeat(5);
      expect(filterFailure(`or(${text}a[eq]:1)`)).to.deep.include({ position: 2000 });
    });
  });
});

describe('ftsQuery', () => {
  it('quotes each term as a phrase and makes the last one a prefix', () => {
    expect(ftsQuery('acme corp')).to.equal('"acme" "corp"*');
    expect(ftsQuery('  acme  ')).to.equal('"acme"*');
  });

  it('never lets FTS5 syntax through: operators, columns, stars and quotes become text', () => {
    expect(ftsQuery('a OR b')).to.equal('"a" "OR" "b"*');
    expect(ftsQuery('name:x* NEAR(a b) ^c -d')).to.equal('"name:x*" "NEAR(a" "b)" "^c" "-d"*');
    expect(ftsQuery('O"Brien "')).to.equal('"O""Brien" """"*');
  });

  it('drops control characters and answers a phrase matching nothing when no term is left', () => {
    expect(ftsQuery('a\u0000b\tc')).to.equal('"a" "b" "c"*');
    expect(ftsQuery('\u0001')).to.equal('""');
  });

  it('refuses a query beyond 200 characters or 16 terms with invalid_search', () => {
    for (const q of ['x'.repeat(201), Array.from({ length: 17 }, () => 'a').join(' ')]) {
      const error = thrown(() => ftsQuery(q));
      expect(error.code).to.equal('invalid_search');
      expect(error.errors[0]!.pointer).to.equal('/q');
    }
  });
});
