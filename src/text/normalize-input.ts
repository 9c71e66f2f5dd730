/** NFC, as every stored text must be. */
export function toNfc(text: string): string {
  return text.normalize('NFC');
}

/**
 * A form for matching what people type: case, diacritics (NFC or NFD), đ/Đ and spacing
 * ignored, so "Tiếng Việt", "tieng viet" and "TIẾNG  VIỆT" compare equal.
 */
export function toMatchKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
