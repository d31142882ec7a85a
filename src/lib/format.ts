/**
 * How the portal shows and reads dates, times, money, sizes and names: one module for every page
 * (the same output on the server and in the browser).
 *
 * Time: every moment is stored as a timestamptz and shown in the CLINIC's time zone
 * (`organizations.time_zone`, an IANA name), never in the zone of the server or of the browser that
 * renders it; the (app) layout hands it to every page as `timeZone`. The platform console shows
 * UTC and says so (`{ showZone: true }`). Calendar dates (`YYYY-MM-DD`: birth dates, billing
 * periods, diary days) have no zone. Wall-clock arithmetic (a day's bounds, "today", the instant a
 * typed time names) is done by `@internationalized/date` in the clinic's zone, so daylight saving
 * changes are handled by the time-zone database rather than by offset maths.
 */
import {
	CalendarDate,
	fromDate,
	getDayOfWeek,
	parseDate,
	parseDateTime,
	toCalendarDate,
	toCalendarDateTime,
	toZoned
} from '@internationalized/date';

const LOCALE = 'en-GB';

type When = string | Date | null | undefined;

const STYLES = {
	dateTime: { dateStyle: 'medium', timeStyle: 'short' },
	date: { dateStyle: 'medium' },
	weekdayDate: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' },
	time: { timeStyle: 'short' }
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;
type Style = keyof typeof STYLES;

// Building an Intl.DateTimeFormat is costly; there are a few styles and a few hundred zones.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: Style, timeZone: string): Intl.DateTimeFormat {
	const key = `${style} ${timeZone}`;
	let f = formatters.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat(LOCALE, { ...STYLES[style], timeZone });
		formatters.set(key, f);
	}
	return f;
}

function instant(value: string | Date): Date {
	return value instanceof Date ? value : new Date(value);
}

interface ZoneOptions {
	/** Name the zone after the time ("13:05 UTC"): for pages that are not in a clinic's zone. */
	showZone?: boolean;
}

function withZone(text: string, timeZone: string, opts: ZoneOptions): string {
	return opts.showZone ? `${text} ${timeZone}` : text;
}

/** A moment in `timeZone`, e.g. "24 Nov 2026, 14:05". */
export function formatDateTime(value: When, timeZone: string, opts: ZoneOptions = {}): string {
	if (!value) return '';
	return withZone(formatter('dateTime', timeZone).format(instant(value)), timeZone, opts);
}

/** The time of day of a moment in `timeZone`, e.g. "14:05". */
export function formatTime(value: When, timeZone: string, opts: ZoneOptions = {}): string {
	if (!value) return '';
	return withZone(formatter('time', timeZone).format(instant(value)), timeZone, opts);
}

/** From–to on one day, e.g. "09:00–09:30". */
export function formatTimeRange(start: When, end: When, timeZone: string): string {
	return `${formatTime(start, timeZone)}–${formatTime(end, timeZone)}`;
}

/** A calendar date (`YYYY-MM-DD`: a birth date, a billing period, a diary day), e.g. "24 Nov 2026". */
export function formatDate(value: string | null | undefined): string {
	if (!value) return '';
	return formatter('date', 'UTC').format(new Date(`${value}T00:00:00Z`));
}

/** A calendar date with its weekday, e.g. "Tue, 24 Nov 2026" (diary days). */
export function formatWeekday(day: string): string {
	return formatter('weekdayDate', 'UTC').format(new Date(`${day}T00:00:00Z`));
}

/** The day a moment falls on in `timeZone`, e.g. "24 Nov 2026". */
export function formatDateOf(value: When, timeZone: string): string {
	if (!value) return '';
	return formatter('date', timeZone).format(instant(value));
}

// Wall-clock arithmetic in the clinic's zone --------------------------------------------------------

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** `YYYY-MM-DDTHH:MM` as a datetime-local input sends it (seconds allowed). */
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
	if (!DAY.test(value)) return false;
	try {
		return parseDate(value).toString() === value;
	} catch {
		return false;
	}
}

/** Whether `value` is a wall-clock time as a datetime-local input writes it. */
export function isLocalDateTime(value: string): boolean {
	if (!LOCAL_DATETIME.test(value)) return false;
	try {
		parseDateTime(value);
		return isDay(value.slice(0, 10));
	} catch {
		return false;
	}
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
	try {
		new Intl.DateTimeFormat(LOCALE, { timeZone });
		return timeZone.includes('/') || timeZone === 'UTC';
	} catch {
		return false;
	}
}

/** Today's date (`YYYY-MM-DD`) in `timeZone` at `now`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
	return dayOf(now, timeZone);
}

/** The day (`YYYY-MM-DD`) a moment falls on in `timeZone`. */
export function dayOf(value: string | Date, timeZone: string): string {
	return toCalendarDate(fromDate(instant(value), timeZone)).toString();
}

/** `day` plus `n` days (`YYYY-MM-DD`). */
export function addDays(day: string, n: number): string {
	return parseDate(day).add({ days: n }).toString();
}

/** The Monday of the week of `day` (weeks start on Monday, as in the clinic's locale). */
export function weekStart(day: string): string {
	const d = parseDate(day);
	return d.subtract({ days: getDayOfWeek(d, LOCALE) }).toString();
}

/**
 * The instants a run of `days` calendar days starting at `day` covers in `timeZone`: from local
 * midnight to the midnight after the last day (23, 24 or 25 hours a day, as the zone has it).
 */
export function dayRange(day: string, timeZone: string, days = 1): { start: Date; end: Date } {
	const first = parseDate(day);
	return {
		start: toZoned(first, timeZone).toDate(),
		end: toZoned(first.add({ days }), timeZone).toDate()
	};
}

/** The instant a wall-clock time (`YYYY-MM-DDTHH:MM`) names in `timeZone` (the earlier of two in a fall-back hour). */
export function fromLocalDateTime(local: string, timeZone: string): Date {
	return toZoned(parseDateTime(local), timeZone, 'earlier').toDate();
}

/** A moment as the wall-clock value of a datetime-local input in `timeZone` (`YYYY-MM-DDTHH:MM`). */
export function toLocalDateTime(value: string | Date, timeZone: string): string {
	return toCalendarDateTime(fromDate(instant(value), timeZone))
		.toString()
		.slice(0, 16);
}

/** Minutes since local midnight of a moment in `timeZone` (for placing it on a day's grid). */
export function minuteOfDay(value: string | Date, timeZone: string): number {
	const z = fromDate(instant(value), timeZone);
	return z.hour * 60 + z.minute;
}

/** Age in whole years on `onDay` (`YYYY-MM-DD`, the clinic's today) of someone born on `dateOfBirth`. */
export function ageOn(dateOfBirth: string | null, onDay: string): number | null {
	if (!dateOfBirth) return null;
	const born = parseDate(dateOfBirth);
	const on: CalendarDate = parseDate(onDay);
	let age = on.year - born.year;
	if (on.month < born.month || (on.month === born.month && on.day < born.day)) age--;
	return age;
}

// Money, sizes, names ----------------------------------------------------------------------------------

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

/** A database word as a label: "in_progress" → "In progress". */
export function titleCase(value: string): string {
	const text = value.replace(/_/g, ' ');
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "1 active patient", "3 active patients". */
export function plural(n: number, one: string, many: string): string {
	return `${n} ${n === 1 ? one : many}`;
}
