import { describe, expect, it } from 'vitest';
import { freeSlots } from './diary';

const ZONE = 'America/New_York';
const at = (local: string) => {
	// 2030-03-05 is in winter time in New York: UTC-5
	return new Date(`${local}:00-05:00`).toISOString();
};
const appt = (clinician_id: string, from: string, to: string, status = 'booked' as const) => ({
	clinician_id,
	starts_at: at(from),
	ends_at: at(to),
	status
});

/** Clinician a's free stretches of `day` (default 2030-03-05) as [start, end] on the clinic's wall clock. */
const stretches = (
	appointments: Parameters<typeof freeSlots>[0]['appointments'],
	now: Date,
	day = '2030-03-05'
) =>
	freeSlots({ day, timeZone: ZONE, clinicianIds: ['a'], appointments, now }).map((f) => [
		f.start,
		f.end
	]);

describe("a clinician's free stretches of a day (the clinic's wall clock)", () => {
	const past = new Date('2030-01-01T00:00:00Z');

	it('runs from opening to closing around the live appointments', () => {
		const free = stretches(
			[
				appt('a', '2030-03-05T09:00', '2030-03-05T09:20'),
				appt('a', '2030-03-05T09:20', '2030-03-05T10:00'),
				appt('b', '2030-03-05T12:00', '2030-03-05T13:00')
			],
			past
		);
		expect(free).toEqual([
			['2030-03-05T07:00', '2030-03-05T09:00'],
			['2030-03-05T10:00', '2030-03-05T19:00']
		]);
	});

	it('frees the time of cancelled and no-show appointments, and starts after an odd end', () => {
		const free = stretches(
			[
				appt('a', '2030-03-05T07:00', '2030-03-05T10:20'),
				{ ...appt('a', '2030-03-05T11:00', '2030-03-05T12:00'), status: 'cancelled' as const },
				{ ...appt('a', '2030-03-05T12:00', '2030-03-05T19:00'), status: 'no_show' as const }
			],
			past
		);
		expect(free).toEqual([['2030-03-05T10:20', '2030-03-05T19:00']]);
	});

	it('offers nothing in the past: today from the next slot on, nothing on an earlier day', () => {
		const now = new Date(at('2030-03-05T13:07'));
		expect(stretches([], now)).toEqual([['2030-03-05T13:15', '2030-03-05T19:00']]);
		expect(stretches([], now, '2030-03-04')).toEqual([]);
	});
});
