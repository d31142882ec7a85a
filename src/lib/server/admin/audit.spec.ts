import { describe, expect, it } from 'vitest';
import { dayStart, parseAuditFilter } from './audit';

describe('audit trail filters', () => {
	it('takes the filter days as the clinic’s days (local midnight, across daylight saving)', () => {
		expect(dayStart('2026-12-03', 'UTC').toISOString()).toBe('2026-12-03T00:00:00.000Z');
		expect(dayStart('2026-12-03', 'UTC', 1).toISOString()).toBe('2026-12-04T00:00:00.000Z');
		expect(dayStart('2026-07-01', 'Europe/London').toISOString()).toBe('2026-06-30T23:00:00.000Z');
		expect(dayStart('2026-03-29', 'Europe/London', 1).toISOString()).toBe(
			'2026-03-29T23:00:00.000Z'
		);
		expect(dayStart('2026-12-03', 'Pacific/Auckland').toISOString()).toBe(
			'2026-12-02T11:00:00.000Z'
		);
		expect(dayStart('2026-12-03', 'America/New_York').toISOString()).toBe(
			'2026-12-03T05:00:00.000Z'
		);
	});

	it('ignores filters that do not parse instead of failing the page', () => {
		expect(parseAuditFilter(new URLSearchParams('action=drop&page=2'))).toEqual({ page: 1 });
		expect(parseAuditFilter(new URLSearchParams('action=view&page=2'))).toMatchObject({
			action: 'view',
			page: 2
		});
	});
});
