/**
 * THE only module that builds the service-role (secret key) client. It bypasses RLS and can use
 * Auth's admin API, so it is created lazily, never persists a session, never leaves this module
 * (only small purpose-named functions are exported) and is never put on `locals`.
 *
 * Callers must have verified, on the server, that the person is a platform admin
 * (`requirePlatformAdmin` in $lib/server/platform/guard.ts) before calling anything here.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { secretKey, supabaseUrl } from './env';
import { refuse, type Result } from './refusals';

let client: SupabaseClient | undefined;

function serviceRole(): SupabaseClient {
	client ??= createClient(supabaseUrl(), secretKey(), {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false }
	});
	return client;
}

/**
 * Invites a clinic's first admin by email (Auth sends the link to `redirectTo`).
 * Why the service role: inviting a person who has no account yet is an Auth admin operation; no
 * user token may create accounts for others.
 */
export async function inviteUserByEmail(opts: {
	email: string;
	redirectTo: string;
}): Promise<Result<{ userId: string }>> {
	const { data, error } = await serviceRole().auth.admin.inviteUserByEmail(opts.email, {
		redirectTo: opts.redirectTo
	});
	if (error || !data.user) return refuse(error?.message ?? 'Auth did not return the invited user.');
	return { ok: true, userId: data.user.id };
}

/**
 * Removes an account this console has just invited, when onboarding is undone after the invite.
 * Why the service role: deleting an Auth user is an Auth admin operation.
 */
export async function deleteInvitedUser(opts: { userId: string }): Promise<void> {
	const { error } = await serviceRole().auth.admin.deleteUser(opts.userId);
	if (error) throw new Error(`deleting invited user failed: ${error.message}`);
}
