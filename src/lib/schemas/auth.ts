import { z } from 'zod';

/** Sign-in form: shared by the action, the page and tests. */
export const signInSchema = z.object({
	email: z.email({ error: 'Enter a valid email address.' }).trim().toLowerCase(),
	password: z.string().min(1, { error: 'Enter your password.' })
});

export type SignInInput = z.infer<typeof signInSchema>;
