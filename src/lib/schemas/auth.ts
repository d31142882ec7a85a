import { z } from 'zod';
import { emailSchema } from './email';

/** Sign-in form: shared by the action, the page and tests. */
export const signInSchema = z.object({
	email: z.email({ error: 'Enter a valid email address.' }).trim().toLowerCase(),
	password: z.string().min(1, { error: 'Enter your password.' })
});

export type SignInInput = z.infer<typeof signInSchema>;

export const forgotPasswordSchema = z.object({
	email: emailSchema
});

/** A new password: Supabase's minimum is 6; clinics handle health data, so ask for 10. */
export const setPasswordSchema = z
	.object({
		password: z.string().min(10, { error: 'Use at least 10 characters.' }).max(72, {
			error: 'Use at most 72 characters.'
		}),
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, {
		error: 'The two passwords do not match.',
		path: ['confirm']
	});
