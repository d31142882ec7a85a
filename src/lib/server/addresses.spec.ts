import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from './addresses';

describe('safeRedirectPath', () => {
	it('keeps same-origin paths', () => {
		expect(safeRedirectPath('/patients?q=ann')).toBe('/patients?q=ann');
	});
	it('refuses other origins and protocol-relative tricks', () => {
		for (const bad of [
			'https://evil.test/',
			'//evil.test/x',
			'/\\evil.test',
			'javascript:alert(1)',
			'',
			null
		]) {
			expect(safeRedirectPath(bad)).toBe('/dashboard');
		}
	});
});
