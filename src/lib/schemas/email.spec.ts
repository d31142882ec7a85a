import { describe, expect, it } from 'vitest';
import { inviteSchema } from './admin';
import { emailSchema } from './email';

describe('emailSchema (RFC 5321 limits, the same as the database check)', () => {
	it('accepts a normal address, trimmed and lower-cased', () => {
		expect(emailSchema.parse('  Ada@Example.TEST ')).toBe('ada@example.test');
	});
	it('accepts 64 characters before @ and 254 in all', () => {
		const address = `${'a'.repeat(64)}@${'b'.repeat(184)}.test`;
		expect(address).toHaveLength(254);
		expect(emailSchema.safeParse(address).success).toBe(true);
	});
	it('refuses 65 characters before @ with a message naming the part', () => {
		const r = emailSchema.safeParse(`${'a'.repeat(65)}@example.test`);
		expect(r.success).toBe(false);
		expect(r.error?.issues[0].message).toContain('before @');
	});
	it('refuses 255 characters in all', () => {
		const r = emailSchema.safeParse(`a@${'b'.repeat(248)}.test`);
		expect(r.success).toBe(false);
		expect(r.error?.issues[0].message).toContain('254');
	});
	it('refuses what is not an address', () => {
		expect(emailSchema.safeParse('not-an-address').success).toBe(false);
	});
	it('is what the invitation form uses', () => {
		expect(
			inviteSchema.safeParse({ email: `${'a'.repeat(65)}@x.test`, role: 'nurse' }).success
		).toBe(false);
	});
});
