/** 84912345678 → 0912 345 678, as people write Vietnamese phone numbers. */
export function displayPhone(phone: string): string {
  const local = phone.startsWith('84') ? `0${phone.slice(2)}` : phone;
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : local;
}
