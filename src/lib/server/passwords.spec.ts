import { describe, expect, it } from 'vitest';
import { newPasswordSchema } from '$lib/schemas/auth';
import { unguessablePassword } from './passwords';

describe('unguessablePassword', () => {
	it('meets the password rule (and a symbol requirement) on every draw, and never repeats', () => {
		const seen = new Set<string>();
		for (let i = 0; i < 5_000; i++) {
			const password = unguessablePassword();
			expect(newPasswordSchema.safeParse(password).success).toBe(true);
			expect(password).toMatch(/[^A-Za-z0-9]/);
			seen.add(password);
		}
		expect(seen.size).toBe(5_000);
	});
});
