// Members give their numbers in many shapes (+86 138 0013 8000, 0086-138..., 138-0013-8000).
// Everything stored or looked up goes through normalizePhone so that one member
// number has exactly one form: E.164 digits without the plus sign.

export interface PhoneNormalizeOptions {
  /** Country calling code assumed for national numbers, e.g. `86`. */
  defaultCountry: string;
}

export type PhoneNormalizeResult = { ok: true; phone: string } | { ok: false; reason: string };

export function normalizePhone(input: string, options: PhoneNormalizeOptions): PhoneNormalizeResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'empty number' };
  if (!/^[+\d\s\-().]+$/.test(trimmed)) return { ok: false, reason: 'a phone number may hold only digits, spaces, +, -, ( and )' };
  const international = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
  } else if (!international) {
    // A national number: drop the trunk prefix 0 and add the default country code,
    // unless the number already starts with it and is too long to be national.
    const national = digits.replace(/^0+/, '');
    const alreadyHasCountry = digits.startsWith(options.defaultCountry) && digits.length > 11;
    digits = alreadyHasCountry ? digits : options.defaultCountry + national;
  }
  if (digits.length < 6 || digits.length > 15) return { ok: false, reason: 'a phone number has 6 to 15 digits' };
  return { ok: true, phone: digits };
}
