/**
 * Test people created through the real Auth admin API (service role, tests only) and given a
 * membership with a `postgres` SQL connection, so tests never change the demo logins.
 */
import { adminDb, MAIL_URL, serviceClient, uniqueEmail } from './stack.ts';

export async function createStaff(opts: {
	organizationSlug: string;
	role: string;
	password: string;
	prefix?: string;
}): Promise<{ id: string; email: string }> {
	const email = uniqueEmail(opts.prefix ?? opts.role);
	const { data, error } = await serviceClient().auth.admin.createUser({
		email,
		password: opts.password,
		email_confirm: true
	});
	if (error || !data.user) throw new Error(`createUser: ${error?.message}`);
	const db = adminDb();
	await db.connect();
	try {
		await db.query(
			`insert into public.memberships (organization_id, user_id, role, status)
			 select id, $2, $3::public.member_role, 'active' from public.organizations where slug = $1`,
			[opts.organizationSlug, data.user.id, opts.role]
		);
		// As signing in at the clinic's address would (switch_organization): it is their active clinic.
		await db.query(
			`update public.profiles set active_organization_id =
			   (select id from public.organizations where slug = $1) where id = $2`,
			[opts.organizationSlug, data.user.id]
		);
	} finally {
		await db.end();
	}
	return { id: data.user.id, email };
}

export async function deleteUser(id: string) {
	await serviceClient().auth.admin.deleteUser(id);
}

/** The newest message the local mailbox captured for an address. */
export async function latestMail(
	to: string
): Promise<{ action_link: string; token_hash?: string; type: string }> {
	for (let i = 0; i < 50; i++) {
		const res = await fetch(`${MAIL_URL}/api/messages/latest?to=${encodeURIComponent(to)}`);
		if (res.ok) return res.json();
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no mail for ${to}`);
}
