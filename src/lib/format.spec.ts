import { describe, expect, it } from 'vitest';
import {
	addDays,
	ageOn,
	dayOf,
	dayRange,
	formatDate,
	formatDateTime,
	formatTime,
	formatTimeRange,
	formatWeekday,
	fromLocalDateTime,
	isDay,
	isLocalDateTime,
	minuteOfDay,
	toLocalDateTime,
	todayIn,
	weekStart
} from './format';

describe("times in the clinic's zone, whatever the server's", () => {
	const moment = '2026-11-24T13:05:00Z';

	it('formats a moment in the zone given', () => {
		expect(formatDateTime(moment, 'America/New_York')).toBe('24 Nov 2026, 08:05');
		expect(formatDateTime(moment, 'Asia/Tokyo')).toBe('24 Nov 2026, 22:05');
		expect(formatTime(moment, 'Europe/Berlin')).toBe('14:05');
		expect(formatTime(moment, 'UTC', { showZone: true })).toBe('13:05 UTC');
		expect(formatTimeRange(moment, '2026-11-24T13:35:00Z', 'America/New_York')).toBe('08:05–08:35');
	});

	it('keeps calendar dates as they are (no zone shift)', () => {
		expect(formatDate('1948-03-12')).toBe('12 Mar 1948');
		expect(formatWeekday('2026-11-24')).toBe('Tue, 24 Nov 2026');
	});

	it("knows the clinic's today, which is not the server's near midnight", () => {
		const lateInUtc = new Date('2026-11-25T02:30:00Z');
		expect(todayIn('UTC', lateInUtc)).toBe('2026-11-25');
		expect(todayIn('America/New_York', lateInUtc)).toBe('2026-11-24');
		expect(todayIn('Pacific/Auckland', lateInUtc)).toBe('2026-11-25');
		expect(dayOf('2026-11-24T23:30:00Z', 'Pacific/Auckland')).toBe('2026-11-25');
	});

	it.each([
		['2026-11-24T09:30', '2026-11-24T14:30:00.000Z'],
		['2026-07-24T09:30', '2026-07-24T13:30:00.000Z'],
		// the hour that happens twice when clocks go back: the earlier one
		['2026-11-01T01:30', '2026-11-01T05:30:00.000Z']
	])(
		'reads the typed wall-clock time %s in New York as %s (daylight saving time)',
		(local, utc) => {
			expect(fromLocalDateTime(local, 'America/New_York').toISOString()).toBe(utc);
		}
	);

	it('shows an instant as the wall clock of the zone', () => {
		expect(toLocalDateTime('2026-11-24T14:30:00Z', 'America/New_York')).toBe('2026-11-24T09:30');
		expect(minuteOfDay('2026-11-24T14:30:00Z', 'America/New_York')).toBe(9 * 60 + 30);
	});

	it("gives a day's bounds in the zone: 23 and 25 hours on the change days", () => {
		const spring = dayRange('2026-03-08', 'America/New_York');
		expect(spring.start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
		expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(23);
		const fall = dayRange('2026-11-01', 'America/New_York');
		expect((fall.end.getTime() - fall.start.getTime()) / 3_600_000).toBe(25);
		const week = dayRange('2026-11-23', 'Europe/Berlin', 7);
		expect(week.start.toISOString()).toBe('2026-11-22T23:00:00.000Z');
		expect(week.end.toISOString()).toBe('2026-11-29T23:00:00.000Z');
	});

	it('does calendar arithmetic on days', () => {
		expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
		expect(weekStart('2026-11-26')).toBe('2026-11-23');
		expect(weekStart('2026-11-29')).toBe('2026-11-23');
		expect(weekStart('2026-11-23')).toBe('2026-11-23');
	});

	it('validates what forms send', () => {
		expect(isDay('2026-02-28')).toBe(true);
		expect(isDay('2026-02-30')).toBe(false);
		expect(isDay('26-02-01')).toBe(false);
		expect(isLocalDateTime('2026-11-24T09:30')).toBe(true);
		expect(isLocalDateTime('2026-11-24T25:30')).toBe(false);
		expect(isLocalDateTime('2026-11-24 09:30')).toBe(false);
	});

	it("counts age on the clinic's today", () => {
		expect(ageOn('2000-11-25', '2026-11-24')).toBe(25);
		expect(ageOn('2000-11-24', '2026-11-24')).toBe(26);
		expect(ageOn(null, '2026-11-24')).toBeNull();
	});
});
