import { describe, expect, it } from 'vitest';
import { parseAdministrativeUnitsCsv, type ParsedAdministrativeUnits } from '../../src/regions/import-administrative-units.js';

const HEADER = 'province_code,province_name,commune_code,commune_name';

function unitsOf(parsed: ParsedAdministrativeUnits) {
  if (!parsed.ok) throw new Error(`expected units, got problems: ${JSON.stringify(parsed.problems)}`);
  return parsed.units;
}

function problemsOf(parsed: ParsedAdministrativeUnits) {
  if (parsed.ok) throw new Error('expected problems, got units');
  return parsed.problems;
}

describe('parseAdministrativeUnitsCsv', () => {
  it('reads the four columns', () => {
    const units = unitsOf(parseAdministrativeUnitsCsv(`${HEADER}\n75,Tỉnh Đồng Nai,26116,Xã Tân Phú\n01,Thành phố Hà Nội,00004,Phường Ba Đình\n`));

    expect(units).toEqual([
      { provinceCode: '75', provinceName: 'Tỉnh Đồng Nai', communeCode: '26116', communeName: 'Xã Tân Phú' },
      { provinceCode: '01', provinceName: 'Thành phố Hà Nội', communeCode: '00004', communeName: 'Phường Ba Đình' },
    ]);
  });

  it('accepts the Vietnamese headings of the official exports in any order, ignoring other columns', () => {
    const text = ['STT,Mã xã,TÊN XÃ,Cấp,Mã tỉnh,Tỉnh / Thành phố', '1,26116,Xã Tân Phú,Xã,75,Tỉnh Đồng Nai'].join('\n');

    expect(unitsOf(parseAdministrativeUnitsCsv(text))).toEqual([
      { provinceCode: '75', provinceName: 'Tỉnh Đồng Nai', communeCode: '26116', communeName: 'Xã Tân Phú' },
    ]);
    expect(unitsOf(parseAdministrativeUnitsCsv('ma_tinh,ten_tinh,ma_xa,ten_xa\n91,Tỉnh An Giang,31078,Đặc khu Phú Quốc'))).toHaveLength(1);
  });

  it('skips a byte-order mark, CRLF line ends, blank lines and lines of empty fields', () => {
    const text = `\uFEFF${HEADER}\r\n\r\n68,Tỉnh Lâm Đồng,23272,Đặc khu Phú Quý\r\n,,,\r\n`;

    expect(unitsOf(parseAdministrativeUnitsCsv(text))).toEqual([
      { provinceCode: '68', provinceName: 'Tỉnh Lâm Đồng', communeCode: '23272', communeName: 'Đặc khu Phú Quý' },
    ]);
  });

  it('reads RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = [
      HEADER,
      '"01","Thành phố Hà Nội","00226","Phường Văn Miếu -',
      'Quốc Tử Giám"',
      '68,Tỉnh Lâm Đồng,24829,"Phường B""Lao, thử"',
    ].join('\n');

    expect(unitsOf(parseAdministrativeUnitsCsv(text)).map((unit) => unit.communeName)).toEqual([
      'Phường Văn Miếu - Quốc Tử Giám',
      'Phường B"Lao, thử',
    ]);
  });

  it('reads a file saved with semicolons, as spreadsheets in a Vietnamese locale do', () => {
    const text = 'Mã tỉnh;Tên tỉnh;Mã xã;Tên xã\n75;Tỉnh Đồng Nai;26116;"Xã Tân Phú"\n';

    expect(unitsOf(parseAdministrativeUnitsCsv(text))).toEqual([
      { provinceCode: '75', provinceName: 'Tỉnh Đồng Nai', communeCode: '26116', communeName: 'Xã Tân Phú' },
    ]);
  });

  it('stores names in NFC with spaces collapsed, and gives back the zeros a spreadsheet dropped from codes', () => {
    const text = `${HEADER}\n1,${'  Thành  phố Hà Nội '.normalize('NFD')},4,\t${'Phường   Ba Đình'.normalize('NFD')}\u00a0\n`;

    const [unit] = unitsOf(parseAdministrativeUnitsCsv(text));

    expect(unit).toEqual({ provinceCode: '01', provinceName: 'Thành phố Hà Nội', communeCode: '00004', communeName: 'Phường Ba Đình' });
    expect(unit?.communeName).toBe(unit?.communeName.normalize('NFC'));
  });

  it('names each problem with its line, counting lines inside quoted fields', () => {
    const text = [
      HEADER, //                                          line 1
      '75,Tỉnh Đồng Nai,26116,Xã Tân Phú', //             line 2
      '7A,Tỉnh Đồng Nai,26179,Xã Tân An', //              line 3: province code
      '75,Tỉnh Đồng Nai,261890,Phường Tân Triều', //      line 4: commune code
      '75,Tỉnh Đồng Nai,26020,"  "', //                   line 5: empty commune name
      '75,,26068,Phường Biên Hòa', //                     line 6: empty province name
      '80,Tỉnh Tây Ninh,"25549","Xã', //                  line 7: a name over two lines, fine
      'Tân Phú"',
      '75,Tỉnh Đồng Nai,26116,Xã Tân Phú', //             line 9: duplicate code
      '75,Đồng Nai,26389,Xã Bình An', //                  line 10: another name for 75
      '75,Tỉnh Đồng Nai,26068', //                        line 11: a field short
    ].join('\n');

    expect(problemsOf(parseAdministrativeUnitsCsv(text))).toEqual([
      { line: 3, message: 'province code "7A" is not 2 digits' },
      { line: 4, message: 'commune code "261890" is not 5 digits' },
      { line: 5, message: 'commune name is empty' },
      { line: 6, message: 'province name is empty' },
      { line: 9, message: 'commune code 26116 is already on line 2' },
      { line: 10, message: 'province 75 is named "Đồng Nai" here but "Tỉnh Đồng Nai" on line 2' },
      { line: 11, message: '3 fields where the header has 4' },
    ]);
  });

  it('refuses a header without the needed columns, an unclosed quote and an empty list', () => {
    expect(problemsOf(parseAdministrativeUnitsCsv('code,name\n26116,Xã Tân Phú'))).toEqual([
      { line: 1, message: expect.stringContaining('no province_code column') },
      { line: 1, message: expect.stringContaining('no province_name column') },
      { line: 1, message: expect.stringContaining('no commune_code column') },
      { line: 1, message: expect.stringContaining('no commune_name column') },
    ]);
    expect(problemsOf(parseAdministrativeUnitsCsv(`${HEADER},Mã xã\n75,Tỉnh Đồng Nai,26116,Xã Tân Phú,26116`))).toEqual([
      { line: 1, message: 'columns "commune_code" and "Mã xã" both hold the commune_code' },
    ]);
    expect(problemsOf(parseAdministrativeUnitsCsv(`${HEADER}\n75,Tỉnh Đồng Nai,26116,Xã Tân Phú\n75,Tỉnh Đồng Nai,26179,"Xã Tân An\n`))).toEqual([
      { line: 3, message: 'a quoted field is never closed' },
    ]);
    expect(problemsOf(parseAdministrativeUnitsCsv(`${HEADER}\n`))).toEqual([{ line: 1, message: 'no units after the header line' }]);
    expect(problemsOf(parseAdministrativeUnitsCsv(''))).toEqual([{ line: 1, message: 'the file is empty: a header line is required' }]);
  });
});
