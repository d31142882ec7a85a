import { describe, expect, it } from 'vitest';
import { setPasswordSchema } from './auth';

function problems(password: string, confirm = password) {
	const r = setPasswordSchema.safeParse({ password, confirm });
	return r.success ? [] : r.error.issues.map((i) => i.message);
}

describe('setPasswordSchema: the password rule Auth enforces, checked in the form', () => {
	it('accepts 10+ characters with lower case, upper case and a digit', () => {
		expect(problems('Demo-password-1')).toEqual([]);
		expect(problems('Abcdefghi1')).toEqual([]);
	});

	it('names each missing part', () => {
		expect(problems('Abcdefgh1')).toEqual(['Use at least 10 characters.']);
		expect(problems('abcdefghij1')).toEqual(['Include an uppercase letter.']);
		expect(problems('ABCDEFGHIJ1')).toEqual(['Include a lowercase letter.']);
		expect(problems('Abcdefghijk')).toEqual(['Include a digit.']);
		expect(problems('short')).toEqual([
			'Use at least 10 characters.',
			'Include an uppercase letter.',
			'Include a digit.'
		]);
	});

	it('refuses more than bcrypt reads, and a repetition that differs', () => {
		expect(problems(`Aa1${'é'.repeat(35)}`)).toContain('Use at most 72 bytes (about 72 letters).');
		expect(problems('Abcdefghi1', 'Abcdefghi2')).toEqual(['The two passwords do not match.']);
	});
});
