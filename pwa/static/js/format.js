// Join codes and PINs: forgiving input, tidy display.

/** Join codes are 8 letters and digits, shown as two groups: KTRW-4829. */
export const CODE_LENGTH = 8;
const GROUP = 4;

/** Arabic-Indic and Persian digits typed on some keyboards become 0–9. */
export function asciiDigits(s) {
  return String(s || '').replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => {
    const c = d.charCodeAt(0);
    return String(c >= 0x06f0 ? c - 0x06f0 : c - 0x0660);
  });
}

/** "ktrw 4829", "KTRW4829", "ktrw-4829" → "KTRW4829". */
export function normalizeCode(raw) {
  return asciiDigits(raw).toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, CODE_LENGTH);
}

/** "KTRW4829" → "KTRW-4829". */
export function formatCode(raw) {
  const c = normalizeCode(raw);
  const groups = c.match(new RegExp(`.{1,${GROUP}}`, 'g')) || [];
  return groups.join('-');
}

export function validCode(raw) {
  return normalizeCode(raw).length === CODE_LENGTH;
}

/** "KTRW-4829" → "K T R W, 4 8 2 9" so screen readers and speech say each character. */
export function spellCode(code) {
  return String(code || '').split('-').map((g) => g.split('').join(' ')).join(', ');
}

export function normalizePin(raw) {
  return asciiDigits(raw).replace(/\D/g, '').slice(0, 6);
}

export function validPin(pin) {
  return /^\d{4,6}$/.test(pin);
}

/** The catalogue's words for the names deviceName gives (it names the phone
 * in English once, when it joins; each worker reads it in their language). */
export const DEVICE_KINDS = Object.freeze({
  'Android phone': 'devices.kind.android_phone',
  'Android tablet': 'devices.kind.android_tablet',
  Computer: 'devices.kind.computer',
  Phone: 'devices.unnamed',
});

/** A short, non-identifying name for this device, seen by the worker. */
export function deviceName() {
  const ua = navigator.userAgent || '';
  if (/iPhone|iPod/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return 'iPad';
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? 'Android phone' : 'Android tablet';
  if (/Windows Phone|Mobile/.test(ua)) return 'Phone';
  return 'Computer';
}
