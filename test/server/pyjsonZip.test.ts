// Unit tests: the Python-compatible JSON parser/serialiser and the python_lib.zip inspection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { dumpPyJson, parsePyJson, pyFloatRepr, pyRepr, PyJsonLimitError } from '../../src/jail/pyjson.js';
import { checkZip, ZipCheckError } from '../../src/server/zipCheck.js';

describe('pyjson', () => {
  it("round-trips values as Python's json.dumps writes them", () => {
    const cases: [string, string][] = [
      ['{"a": 1, "a": 2}', '{"a":2}'],
      ['[NaN, Infinity, -Infinity, -0, -0.0, 0.0]', '[NaN,Infinity,-Infinity,0,-0.0,0.0]'],
      ['[1e400, 1E5, 1.0, 100.5e-3, 12345678901234567890]', '[Infinity,100000.0,1.0,0.1005,12345678901234567890]'],
      ['[1e16, 1e15, 0.0001, 0.00001, 5e-324]', '[1e+16,1000000000000000.0,0.0001,1e-05,5e-324]'],
      ['"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\n\\r\\t \\u0001"', '"😀 é / \\b\\f\\n\\r\\t \\u0001"'],
      [' \n {"x" : [ ] , "y":{}} \t', '{"x":[],"y":{}}'],
    ];
    for (const [input, out] of cases) assert.equal(dumpPyJson(parsePyJson(input)), out, input);
  });

  it('errors like CPython', () => {
    const cases: [string, string][] = [
      ['', 'Expecting value: line 1 column 1 (char 0)'],
      ['nul', 'Expecting value: line 1 column 1 (char 0)'],
      ['[1, 2', "Expecting ',' delimiter: line 1 column 6 (char 5)"],
      ['{"a"}', "Expecting ':' delimiter: line 1 column 5 (char 4)"],
      ['{"a": 1,}', 'Expecting property name enclosed in double quotes: line 1 column 9 (char 8)'],
      ['"a\u0001"', 'Invalid control character at: line 1 column 3 (char 2)'],
      ['"\\u12"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
      ['\ufeff{}', 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)'],
      ['["😀", x]', 'Expecting value: line 1 column 7 (char 6)'],
      ['["a",\n  "😀", x]', 'Expecting value: line 2 column 8 (char 13)'],
      ['01', 'Extra data: line 1 column 2 (char 1)'],
    ];
    for (const [input, msg] of cases) assert.throws(() => parsePyJson(input), { message: msg }, JSON.stringify(input));
  });

  it('refuses absurd nesting and integer sizes', () => {
    assert.throws(() => parsePyJson('['.repeat(600) + ']'.repeat(600)), PyJsonLimitError);
    assert.throws(() => parsePyJson('1'.repeat(5000)), /Exceeds the limit \(4300 digits\)/);
  });

  it('repr like Python', () => {
    assert.equal(pyRepr(parsePyJson('{"a": [1, 2.0, null, true, "it\'s", "x\\ny"]}')), `{'a': [1, 2.0, None, True, "it's", 'x\\ny']}`);
    assert.equal(pyFloatRepr(1e22), '1e+22');
    assert.equal(pyFloatRepr(123.456), '123.456');
    assert.equal(pyFloatRepr(-1.5e-7), '-1.5e-07');
    assert.equal(pyFloatRepr(NaN), 'nan');
  });
});

describe('checkZip', () => {
  const ok = () => zipSync({ 'pkg/__init__.py': strToU8('x = 1\n'), 'pkg/mod.py': strToU8('y = 2\n'.repeat(100)) });

  it('accepts an ordinary library zip (stored and deflated)', async () => {
    assert.deepEqual(await checkZip(ok()), { entries: 2, uncompressedBytes: 606 });
    assert.equal((await checkZip(zipSync({ 'a.py': strToU8('a') }, { level: 0 }))).entries, 1);
  });

  it('rejects non-zips and truncated zips', async () => {
    await assert.rejects(checkZip(strToU8('hello')), { message: 'python_lib.zip is not a zip file' });
    const z = ok();
    await assert.rejects(checkZip(z.subarray(0, z.length - 30)), ZipCheckError);
    await assert.rejects(checkZip(z.subarray(10)), ZipCheckError);
  });

  it('rejects unsafe member names', async () => {
    for (const name of ['../x.py', 'a/../../x.py', '/abs.py', '\\abs.py', 'C:/x.py', 'a\\..\\x.py']) {
      await assert.rejects(checkZip(zipSync({ [name]: strToU8('x') })), ZipCheckError, name);
    }
  });

  it('rejects bombs: ratio, total size, entry count', async () => {
    await assert.rejects(checkZip(zipSync({ 'z.py': new Uint8Array(4 * 1024 * 1024) })), /suspicious compression ratio/);
    await assert.rejects(checkZip(ok(), { maxEntries: 100, maxUncompressedBytes: 100, maxRatio: 1000 }), /too large when uncompressed/);
    await assert.rejects(checkZip(ok(), { maxEntries: 1, maxUncompressedBytes: 1e9, maxRatio: 1000 }), /too many members/);
  });

  it('rejects members whose real size differs from the declared size', async () => {
    const z = Buffer.from(zipSync({ 'a.py': strToU8('b = 1\n'.repeat(1000)) }));
    // Patch the uncompressed size in the local header (offset 22) and central directory (+24).
    z.writeUInt32LE(10, 22);
    const cd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt32LE(10, cd + 24);
    await assert.rejects(checkZip(z), /lies about its sizes/);
  });

  it('rejects CRC mismatches', async () => {
    const z = Buffer.from(zipSync({ 'a.py': strToU8('abc') }, { level: 0 }));
    const cd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt32LE(0xdeadbeef, cd + 16);
    await assert.rejects(checkZip(z), /CRC mismatch/);
  });
});
