import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCommuneDirectory } from '../../src/regions/commune-directory.js';
import { parseAdministrativeUnitsCsv } from '../../src/regions/import-administrative-units.js';

const sample = parseAdministrativeUnitsCsv(readFileSync(new URL('../../prisma/data/administrative-units.sample.csv', import.meta.url), 'utf8'));
if (!sample.ok) throw new Error(`the sample list does not parse: ${JSON.stringify(sample.problems)}`);
const directory = createCommuneDirectory(sample.units);

function labels(query: string, limit = 20): string[] {
  return directory.searchCommunes(query, limit).communes.map((commune) => commune.label);
}

function codes(query: string, limit = 20): string[] {
  return directory.searchCommunes(query, limit).communes.map((commune) => commune.code);
}

describe('the commune directory', () => {
  it('labels a commune with its province, without "Tỉnh" or "Thành phố"', () => {
    expect(directory.communeByCode('26116')).toEqual({
      code: '26116',
      label: 'Xã Tân Phú, Đồng Nai',
      communeName: 'Xã Tân Phú',
      provinceCode: '75',
      provinceName: 'Tỉnh Đồng Nai',
    });
    expect(directory.communeByCode('27031')?.label).toBe('Phường Tân Phú, Hồ Chí Minh');
    const plain = createCommuneDirectory([{ communeCode: '26116', communeName: 'Xã Tân Phú', provinceCode: '75', provinceName: 'Đồng Nai' }]);
    expect(plain.communeByCode('26116')?.label).toBe('Xã Tân Phú, Đồng Nai');
    expect(directory.communeByCode('99999')).toBeUndefined();
  });

  it('finds a commune whatever the case, diacritics, Unicode form, spacing and punctuation', () => {
    const expected = labels('Tân Phú');
    expect(expected[0]).toBe('Xã Tân Phú, Đồng Nai');

    expect(labels('tan phu')).toEqual(expected);
    expect(labels('TÂN   PHÚ!!')).toEqual(expected);
    expect(labels('Tân Phú'.normalize('NFD'))).toEqual(expected);
    expect(labels('dong van')).toEqual(['Xã Đồng Văn, Tuyên Quang']);
    expect(labels('ĐỒNG VĂN')).toEqual(['Xã Đồng Văn, Tuyên Quang']);
    expect(labels('blao')).toEqual(["Phường B'Lao, Lâm Đồng"]);
    expect(labels("b'lao")).toEqual(["Phường B'Lao, Lâm Đồng"]);
  });

  it('ignores the kind words, typed or not, abbreviated or not', () => {
    for (const query of ['tan phu dong nai', 'xã tân phú đồng nai', 'xa tan phu, tinh dong nai', 'x. Tân Phú - Đồng Nai', 'Tân Phú, tỉnh Đồng Nai']) {
      expect(codes(query), query).toEqual(['26116']);
    }
    expect(codes('p. Tân Phú, TP Hồ Chí Minh')).toEqual(['27031']);
    expect(codes('đặc khu phú quốc')).toEqual(['31078']);
    expect(codes('phu quoc')).toEqual(['31078']);
  });

  it('keeps a kind word that is part of a name: "Phường Phương Liệt"', () => {
    expect(labels('phường phương liệt')).toEqual(['Phường Phương Liệt, Hà Nội']);
    expect(labels('phuong liet')).toEqual(['Phường Phương Liệt, Hà Nội']);
    expect(labels('p phuong liet')).toEqual(['Phường Phương Liệt, Hà Nội']);
  });

  it('narrows a name found in several provinces by the province typed after it', () => {
    expect(labels('hong son')).toEqual(['Xã Hồng Sơn, Hà Nội', 'Xã Hồng Sơn, Lâm Đồng', 'Xã Hồng Sơn, Tuyên Quang']);
    expect(codes('hong son tuyen quang')).toEqual(['02608']);
    expect(codes('hòa an cao bằng')).toEqual(['01654']);
    expect(codes('hoa an, tuyen')).toEqual(['02353']);
    expect(codes('tan phu tay ninh')).toEqual(['25549']);
  });

  it('finds a commune by its five-digit code', () => {
    expect(directory.searchCommunes('26116', 5)).toEqual({ communes: [directory.communeByCode('26116')], total: 1 });
    expect(directory.searchCommunes(' 00004 ', 5).communes.map((commune) => commune.label)).toEqual(['Phường Ba Đình, Hà Nội']);
    expect(directory.searchCommunes('99999', 5)).toEqual({ communes: [], total: 0 });
  });

  it('ranks the exact name first, then whole words, then word beginnings; ties by province, then name', () => {
    expect(labels('tan phu')).toEqual([
      // exact, by province in Vietnamese order (Đ after D, before H)
      'Xã Tân Phú, Đồng Nai',
      'Xã Tân Phú, Đồng Tháp',
      'Phường Tân Phú, Hồ Chí Minh',
      'Xã Tân Phú, Tây Ninh',
      // both words whole
      'Xã Tân Phú Đông, Đồng Tháp',
      'Xã Tân Phú Trung, Đồng Tháp',
      // "phu" begins "Phước"
      'Xã Tân Phước 1, Đồng Tháp',
    ]);
    // A commune named like a province comes before the communes of that province.
    expect(labels('tuyen quang')[0]).toBe('Xã Tuyên Quang, Lâm Đồng');
    expect(labels('tuyen quang')).toHaveLength(6);
    // "Xuân Hương - Đà Lạt" is called "Xuân Hương".
    expect(labels('xuan huong')).toEqual(['Phường Xuân Hương - Đà Lạt, Lâm Đồng']);
  });

  it('returns at most limit communes with the total, so the caller can ask for more words', () => {
    expect(directory.searchCommunes('tan phu', 2)).toEqual({
      communes: [directory.communeByCode('26116'), directory.communeByCode('28468')],
      total: 7,
    });
    expect(directory.searchCommunes('tan phu', 0)).toEqual({ communes: [], total: 7 });
    expect(directory.searchCommunes('đặc khu', 10).total).toBe(4);
  });

  it('finds nothing for a query that matches no commune', () => {
    for (const query of ['xyz', 'tan phu ha noi', '', '  ,.  ']) {
      expect(directory.searchCommunes(query, 10), JSON.stringify(query)).toEqual({ communes: [], total: 0 });
    }
  });

  it('hands out frozen entries', () => {
    const commune = directory.communeByCode('26116');
    expect(Object.isFrozen(commune)).toBe(true);
    expect(Object.isFrozen(directory.searchCommunes('tan phu', 3).communes)).toBe(true);
  });
});
