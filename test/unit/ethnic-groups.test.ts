import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEthnicGroups } from '../../src/conversation/ethnic-groups.js';
import { projectDir } from '../helpers/conversation-harness.js';

// Forms 02 and 03 of Decision 26/2026/QĐ-TTg (Annex III) ask the representative's
// "Dân tộc"; the codes are those of Quyết định 121-TCTK/PPCĐ (1979), not 1019/QĐ-TCTK (2008).

const ethnicGroups = loadEthnicGroups(join(projectDir, 'rules', 'ethnic-groups.yaml'));
const codeOf = (typed: string) => ethnicGroups.match(typed)?.code;

describe('ethnic groups (QĐ 121-TCTK/PPCĐ)', () => {
  it('lists the 54 groups with the 1979 codes: 04 is Hoa, 06 Mường (1019/QĐ-TCTK has 04 Mường, 06 Hoa)', () => {
    expect(ethnicGroups.groups).toHaveLength(54);
    expect(ethnicGroups.byCode('01')?.name).toBe('Kinh');
    expect(ethnicGroups.byCode('04')?.name).toBe('Hoa');
    expect(ethnicGroups.byCode('06')?.name).toBe('Mường');
    expect(ethnicGroups.byCode('54')?.name).toBe('Rơ-măm');
  });

  it('matches a name typed with or without diacritics, spaces or hyphens', () => {
    expect(codeOf('kinh')).toBe('01');
    expect(codeOf('Tày')).toBe('02');
    expect(codeOf('tay')).toBe('02');
    expect(codeOf('hmong')).toBe('08');
    expect(codeOf("H'Mông")).toBe('08');
    expect(codeOf('Ê đê')).toBe('12');
    expect(codeOf('EDE')).toBe('12');
    expect(codeOf('Khmer')).toBe('05');
    expect(codeOf('Việt')).toBe('01');
    expect(codeOf('van kieu')).toBe('23');
  });

  it('matches nothing for a name of no group, or one that fits several', () => {
    expect(codeOf('Elf')).toBeUndefined();
    expect(codeOf('la')).toBeUndefined(); // La Chí, La Ha, La Hủ, Lào …
    expect(codeOf('x')).toBeUndefined();
  });
});
