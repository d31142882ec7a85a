/**
 * People and sessions for the API tests: a confirmed account made through Auth's admin API (as an
 * operator or the service role would), and a client signed in through the local Auth the way the
 * portal signs people in.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { expect } from 'vitest';
import { anonClient, serviceClient } from '../support/stack.ts';
import { meetTwoFactor } from '../support/totp.ts';

/**
 * A confirmed account with this address and password, made through `admin` (the main gateway's
 * service role unless given); extra attributes (user_metadata, app_metadata) as createUser takes
 * them. Throws what Auth answers when it refuses.
 */
export async function confirmedAccount(
	email: string,
	password: string,
	extra: { user_metadata?: Record<string, unknown>; app_metadata?: Record<string, unknown> } = {},
	admin: SupabaseClient = serviceClient()
): Promise<{ id: string; email: string }> {
	const { data, error } = await admin.auth.admin.createUser({
		email,
		password,
		email_confirm: true,
		...extra
	});
	if (error) throw error;
	return { id: data.user.id, email };
}

/** A fresh client signed in as this person, past the code step (aal2) where their role asks for it. */
export async function signedIn(email: string, password: string): Promise<SupabaseClient> {
	const c = anonClient();
	const { error } = await c.auth.signInWithPassword({ email, password });
	if (error) throw new Error(`${email}: ${error.message}`);
	await meetTwoFactor(c, email); // admins and platform admins answer the code step (aal2)
	return c;
}

/** Auth refused: the answer's HTTP status, error code and, when given, its message. */
export function expectAuthError(
	result: { error: { status?: number; code?: string; message: string } | null },
	status: number,
	code: string,
	message?: string
): void {
	const { error } = result;
	expect(error, `expected ${status} ${code}`).not.toBeNull();
	expect({
		status: error?.status,
		code: error?.code,
		...(message === undefined ? {} : { message: error?.message })
	}).toEqual({ status, code, ...(message === undefined ? {} : { message }) });
}
