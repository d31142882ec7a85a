/**
 * How the portal shows dates, times, money, sizes and names: one module for every page (the same
 * output on the server and in the browser), built on the platform's own `Intl` formatters.
 * Timestamps show in the zone of whoever renders them (the clinic's server, then the browser);
 * `{ utc: true }` shows them in UTC with the zone named, as the platform console does.
 */

const LOCALE = 'en-GB';

const formatters = {
	dateTime: new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' }),
	dateTimeUtc: new Intl.DateTimeFormat(LOCALE, {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: 'UTC'
	}),
	date: new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium' }),
	calendarDate: new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' }),
	time: new Intl.DateTimeFormat(LOCALE, { timeStyle: 'short' }),
	timeUtc: new Intl.DateTimeFormat(LOCALE, { timeStyle: 'short', timeZone: 'UTC' })
};

type When = string | null | undefined;

const zoned = new Map<string, Intl.DateTimeFormat>();

/**
 * A moment, e.g. "24 Nov 2026, 14:05" (or "24 Nov 2026, 13:05 UTC"); with a time zone name as the
 * second argument, in that zone (a clinic's, e.g. 'Europe/London').
 */
export function formatDateTime(value: When, zone: string | { utc?: boolean } = {}): string {
	if (!value) return '';
	const d = new Date(value);
	if (typeof zone === 'string') {
		let f = zoned.get(zone);
		if (!f) {
			f = new Intl.DateTimeFormat(LOCALE, {
				dateStyle: 'medium',
				timeStyle: 'short',
				timeZone: zone
			});
			zoned.set(zone, f);
		}
		return f.format(d);
	}
	return zone.utc ? `${formatters.dateTimeUtc.format(d)} UTC` : formatters.dateTime.format(d);
}

/**
 * A day, e.g. "24 Nov 2026": a calendar date (`YYYY-MM-DD`, a birth date or a billing period) is
 * shown as it is, without any zone shift; a timestamp shows the day it was where it is rendered.
 */
export function formatDate(value: When): string {
	if (!value) return '';
	return /^\d{4}-\d{2}-\d{2}$/.test(value)
		? formatters.calendarDate.format(new Date(`${value}T00:00:00Z`))
		: formatters.date.format(new Date(value));
}

/** A time of day, e.g. "14:05" (or "13:05 UTC"). */
export function formatTime(value: When, { utc = false } = {}): string {
	if (!value) return '';
	const d = new Date(value);
	return utc ? `${formatters.timeUtc.format(d)} UTC` : formatters.time.format(d);
}

/**
 * An amount in the currency's minor unit as money, e.g. 4900 USD → "$49.00", 4900 JPY → "¥4,900",
 * 1250 KWD → "KWD 1.250" (the minor unit's digits are the currency's own, see $lib/money).
 */
export function formatMoney(minor: number, currency: string): string {
	const f = new Intl.NumberFormat('en', { style: 'currency', currency });
	return f.format(minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
}

/** A size in bytes, e.g. 1536 → "1.5 KB" (1 KB = 1024 bytes). */
export function formatBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
	return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

interface Named {
	given_name: string;
	family_name: string;
}

/** A person as addressed: "Ada Lovelace". */
export function fullName(p: Named): string {
	return `${p.given_name} ${p.family_name}`;
}

/** A person in a list sorted by family name: "Lovelace, Ada". */
export function listName(p: Named | null | undefined): string {
	return p ? `${p.family_name}, ${p.given_name}` : 'Unknown patient';
}

/** Age in whole years on `today` of someone born on `dateOfBirth` (`YYYY-MM-DD`). */
export function ageOn(dateOfBirth: string | null, today = new Date()): number | null {
	if (!dateOfBirth) return null;
	const [y, m, d] = dateOfBirth.split('-').map(Number);
	let age = today.getFullYear() - y;
	if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
	return age;
}

/** A database word as a label: "in_progress" → "In progress". */
export function titleCase(value: string): string {
	const text = value.replace(/_/g, ' ');
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "1 active patient", "3 active patients". */
export function plural(n: number, one: string, many: string): string {
	return `${n} ${n === 1 ? one : many}`;
}
