import { z } from 'zod';
import { text } from '$lib/schemas/text';
import { emailSchema } from './email';

/** Sign-in form: shared by the action, the page and tests. */
export const signInSchema = z.object({
	email: z.email({ error: 'Enter a valid email address.' }).trim().toLowerCase(),
	password: text().min(1, { error: 'Enter your password.' })
});

export type SignInInput = z.infer<typeof signInSchema>;

export const forgotPasswordSchema = z.object({
	email: emailSchema
});

/**
 * The password rule Auth enforces (supabase/config.toml: `minimum_password_length = 10`,
 * `password_requirements = "lower_upper_letters_digits"`), checked in the form first so people
 * see every missing part next to the field instead of Auth's one-line refusal. Supabase's minimum
 * is 6; clinics handle health data. bcrypt reads at most 72 bytes.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters, with a lowercase letter, an uppercase letter and a digit.`;

export const newPasswordSchema = text()
	.min(PASSWORD_MIN_LENGTH, { error: `Use at least ${PASSWORD_MIN_LENGTH} characters.` })
	.refine((p) => new TextEncoder().encode(p).length <= 72, {
		error: 'Use at most 72 bytes (about 72 letters).'
	})
	.regex(/[a-z]/, { error: 'Include a lowercase letter.' })
	.regex(/[A-Z]/, { error: 'Include an uppercase letter.' })
	.regex(/[0-9]/, { error: 'Include a digit.' });

/** A new password and its repetition. */
export const setPasswordSchema = z
	.object({
		password: newPasswordSchema,
		confirm: text()
	})
	.refine((v) => v.password === v.confirm, {
		error: 'The two passwords do not match.',
		path: ['confirm']
	});
