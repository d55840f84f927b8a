const PREFIXES = /^(state|province|region|republic|city|oblast|governorate|department|county|prefecture|district|land|canton|autonomous community|community) of /;
const SUFFIXES = / (state|province|region|oblast|krai|governorate|department|county|prefecture|district|voivodeship|municipality|city|kray|republic|autonomous okrug)$/;

/** Lower-case ASCII, no punctuation, without "State of …" / "… Province" style words: for matching place names. */
export function normalizePlaceName(name: string): string {
  let n = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  n = n.replace(PREFIXES, '').replace(SUFFIXES, '').trim();
  return n;
}
