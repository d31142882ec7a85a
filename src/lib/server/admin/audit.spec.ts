import { describe, expect, it } from 'vitest';
import { parseAuditFilter } from './audit';

describe('audit trail filters', () => {
	it('ignores filters that do not parse instead of failing the page', () => {
		expect(parseAuditFilter(new URLSearchParams('action=drop&page=2'))).toEqual({ page: 1 });
		expect(parseAuditFilter(new URLSearchParams('action=view&page=2'))).toMatchObject({
			action: 'view',
			page: 2
		});
	});
});
