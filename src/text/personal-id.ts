// The 12-digit personal identification number (số định danh cá nhân). Structure (Nghị
// định 137/2015/NĐ-CP Art. 13, kept by Luật Căn cước 2023 Art. 12; codes of the Bộ Công
// an circular, TT 07/2016 then TT 59/2021 Art. 7): 3 digits for the province where the
// birth was registered, 1 for century and sex, 2 for the year of birth, 6 random. There is
// no check digit. The province codes are those of birth registration (001–096, the
// provinces before 2025), not the 2025 administrative units of QĐ 19/2025.

export interface PersonalIdParts {
  /** 001–096 */
  provinceCode: string;
  sex: 'male' | 'female';
  birthYear: number;
}

export type DecodedPersonalId = { ok: true; parts: PersonalIdParts } | { ok: false; problem: 'length' | 'province' };

const lastProvinceCode = 96;

/**
 * Reads the digits of a personal ID: century and sex code 0/1 = 1900s male/female,
 * 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s; the next two digits the year.
 */
export function decodePersonalId(digits: string): DecodedPersonalId {
  if (!/^\d{12}$/.test(digits)) return { ok: false, problem: 'length' };
  const province = Number(digits.slice(0, 3));
  if (province < 1 || province > lastProvinceCode) return { ok: false, problem: 'province' };
  const centuryAndSex = Number(digits[3]);
  const birthYear = 1900 + 100 * Math.floor(centuryAndSex / 2) + Number(digits.slice(4, 6));
  return { ok: true, parts: { provinceCode: digits.slice(0, 3), sex: centuryAndSex % 2 === 0 ? 'male' : 'female', birthYear } };
}

/**
 * A personal ID as summaries and officials' screens show it: the province code and the
 * last four digits, enough for the person to recognise their number; the digits that give
 * sex and year of birth, and the rest, hidden ("001*****6789").
 */
export function maskPersonalId(personalId: string): string {
  if (personalId.length <= 7) return '*'.repeat(personalId.length);
  return `${personalId.slice(0, 3)}${'*'.repeat(personalId.length - 7)}${personalId.slice(-4)}`;
}
