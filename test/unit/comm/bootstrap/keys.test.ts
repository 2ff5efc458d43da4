import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatKeys, parseKeys, readKeyFile, writeKeyFile, type JobKeys } from '../../../../src/comm/bootstrap/keys.js';
import { testDirPrefix } from '../../../helpers/run-tag.js';

const keys: JobKeys = {
  encryption: 'on',
  serverPublicKey: 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7',
  serverSecretKey: 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6',
  clientPublicKey: 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID',
  clientSecretKey: 'D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs',
};
const dir = mkdtempSync(testDirPrefix('keys'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('job key file', () => {
  it('round-trips, is written 0600 and never over an existing file', () => {
    expect(parseKeys(formatKeys(keys))).toEqual(keys);
    const file = path.join(dir, 'a.json');
    writeKeyFile(file, keys);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readKeyFile(file)).toEqual(keys);
    expect(() => writeKeyFile(file, keys)).toThrow(/EEXIST/);
  });

  it('refuses a file others could read, naming the mode and never the keys', () => {
    const file = path.join(dir, 'b.json');
    writeKeyFile(file, keys);
    chmodSync(file, 0o644);
    expect(() => readKeyFile(file)).toThrow(`cannot use the job key file ${file}: its mode is 644, not 600`);
  });

  it.each([
    ['not JSON', 'x', 'the job key file is not JSON'],
    ['another version', JSON.stringify({ ...keys, version: 2 }), 'the job key file must have version 1'],
    ['a bad encryption', JSON.stringify({ ...keys, version: 1, encryption: 'yes' }), 'the job key file\'s encryption must be "on" or "off"'],
    ['a short key', JSON.stringify({ ...keys, version: 1, clientSecretKey: 'abc' }), "the job key file's clientSecretKey must be a 40-character Z85 key"],
  ])('rejects %s', (_, text, message) => {
    expect(() => parseKeys(text)).toThrow(new TypeError(message));
  });
});
