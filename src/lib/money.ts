/**
 * Money as the platform stores it: an integer in the MINOR UNIT of its currency (cents for USD,
 * yen for JPY, fils for KWD). How many digits a currency's minor unit has comes from the runtime's
 * own ISO 4217 / CLDR data (`Intl.NumberFormat`'s `maximumFractionDigits` for the currency), and
 * the currencies people may choose from `Intl.supportedValuesOf('currency')`: no hand-kept table.
 * The same module runs on the server and in the browser.
 */

/** The largest amount a price column holds (Postgres `integer`), in minor units. */
export const MAX_MINOR = 2_147_483_647;

const digitsCache = new Map<string, number>();

/** Whether `code` is a currency this runtime knows (ISO 4217, e.g. "USD"). */
export function isCurrency(code: string): boolean {
	return currencyCodes().includes(code);
}

let codes: string[] | null = null;
/** Every ISO 4217 currency code this runtime knows, sorted. */
export function currencyCodes(): string[] {
	codes ??= Intl.supportedValuesOf('currency');
	return codes;
}

/** Digits of the currency's minor unit: 2 for USD and EUR, 0 for JPY, 3 for KWD. */
export function currencyDigits(currency: string): number {
	let digits = digitsCache.get(currency);
	if (digits === undefined) {
		digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
			.maximumFractionDigits as number;
		digitsCache.set(currency, digits);
	}
	return digits;
}

/** The currencies as choices: "EUR · Euro". */
export function currencyOptions(): { value: string; label: string }[] {
	const names = new Intl.DisplayNames('en', { type: 'currency' });
	return currencyCodes().map((code) => ({ value: code, label: `${code} · ${names.of(code)}` }));
}

/** An amount in minor units as people type it, e.g. 1250 USD → "12.50", 4900 JPY → "4900". */
export function toDecimalAmount(minor: number, currency: string): string {
	const digits = currencyDigits(currency);
	if (digits === 0) return String(minor);
	const text = String(Math.abs(minor)).padStart(digits + 1, '0');
	return `${minor < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export type AmountResult = { ok: true; minor: number } | { ok: false; message: string };

/**
 * A decimal amount typed in `currency` (digits, optionally a point and the fraction; thousands
 * separators are not accepted, to avoid reading "1,5" as fifteen) as minor units, exactly:
 * "12.5" USD → 1250, "12.555" USD is refused (no rounding), "4900" JPY → 4900, "1.250" KWD → 1250.
 * Zeros past the currency's digits are no loss ("49.00" JPY → 49).
 */
export function parseAmount(text: string, currency: string): AmountResult {
	const value = text.trim();
	const digits = currencyDigits(currency);
	const example = digits === 0 ? '4900' : `49.${'0'.repeat(digits)}`;
	if (value === '') return { ok: false, message: `Enter a price, e.g. ${example}.` };
	if (value.startsWith('-')) return { ok: false, message: 'A price cannot be negative.' };
	const m = /^(\d+)(?:\.(\d*))?$/.exec(value);
	if (!m) {
		return {
			ok: false,
			message: `Enter the amount in ${currency} with digits and a point, e.g. ${example}.`
		};
	}
	const whole = m[1];
	const fraction = (m[2] ?? '').replace(/0+$/, '');
	if (fraction.length > digits) {
		return {
			ok: false,
			message:
				digits === 0
					? `${currency} has no minor unit: enter a whole amount, e.g. ${example}.`
					: `${currency} has ${digits} decimal place${digits === 1 ? '' : 's'}: ${value} has more. Enter e.g. ${example}.`
		};
	}
	const minor = Number(whole + fraction.padEnd(digits, '0'));
	if (!Number.isSafeInteger(minor) || minor > MAX_MINOR) {
		return {
			ok: false,
			message: `Enter at most ${toDecimalAmount(MAX_MINOR, currency)} ${currency}.`
		};
	}
	return { ok: true, minor };
}
