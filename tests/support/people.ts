/**
 * Test people created through the real Auth admin API (service role, tests only) and given a
 * membership with a `postgres` SQL connection, so tests never change the demo logins.
 */
import { afterAll } from 'vitest';
import { CLINIC_A } from './demo.ts';
import { adminDb, MAIL_URL, serviceClient, sql, uniqueEmail } from './stack.ts';

export async function createStaff(opts: {
	organizationSlug: string;
	role: string;
	password: string;
	prefix?: string;
	fullName?: string;
}): Promise<{ id: string; email: string }> {
	const email = uniqueEmail(opts.prefix ?? opts.role);
	const { data, error } = await serviceClient().auth.admin.createUser({
		email,
		password: opts.password,
		email_confirm: true,
		user_metadata: opts.fullName ? { full_name: opts.fullName } : {}
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
	// a refusal (the last active admin of a clinic that still exists) must not leave accounts behind
	// quietly: delete the test's clinics first
	const { error } = await serviceClient().auth.admin.deleteUser(id);
	if (error && error.status !== 404) throw new Error(`deleting user ${id}: ${error.message}`);
}

/**
 * The people one test file creates, all deleted after the file (call at the file's or describe's
 * top level): `staff.create('nurse')` is a member of clinic-a with `password`, unless told another
 * clinic; `staff.track(id)` adds an account the test made another way (an accepted invitation).
 */
export function testStaff(password: string) {
	const ids: string[] = [];
	afterAll(async () => {
		for (const id of ids) await deleteUser(id);
	});
	return {
		async create(
			role: string,
			opts: { organizationSlug?: string; prefix?: string; fullName?: string } = {}
		) {
			const person = await createStaff({
				organizationSlug: CLINIC_A.slug,
				...opts,
				role,
				password
			});
			ids.push(person.id);
			return person;
		},
		track(...more: string[]) {
			ids.push(...more);
		}
	};
}

/** Deletes the test's people, by address (any case) and by id, as the tables' owner. */
export async function deleteUsers({
	emails = [],
	ids = []
}: {
	emails?: string[];
	ids?: string[];
}) {
	await sql(`delete from auth.users where lower(email) = any($1::text[]) or id = any($2::uuid[])`, [
		emails.map((e) => e.toLowerCase()),
		ids
	]);
}

export interface Mail {
	subject: string;
	html: string;
	text: string;
	action_link: string;
	token_hash?: string;
	type: string;
	created_at: string;
}

/**
 * The link a person would click: the first `href` of the message's HTML part that carries an
 * e-mail token (`token_hash=`), entity-decoded as a browser decodes it. Never built by a test.
 */
export function linkInMail(mail: Pick<Mail, 'html'>): string {
	for (const m of mail.html.matchAll(/href="([^"]+)"/g)) {
		const href = m[1]
			.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
			.replace(/&amp;/g, '&');
		if (href.includes('token_hash=')) return href;
	}
	throw new Error(`no e-mail link in: ${mail.html.slice(0, 300)}`);
}

/** The same link as the text alternative shows it (a line that is an address with a token). */
export function linkInText(mail: Pick<Mail, 'text'>): string {
	const line = mail.text.split('\n').find((l) => /^https?:\/\/\S+token_hash=/.test(l.trim()));
	if (!line) throw new Error(`no e-mail link in the text part: ${mail.text.slice(0, 300)}`);
	return line.trim();
}

/** Every message the mailbox holds for an address, newest first. */
export async function allMail(to: string): Promise<Mail[]> {
	const res = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(to)}`);
	return (await res.json()) as Mail[];
}

/** The newest message the local mailbox captured for an address (optionally newer than `after`). */
export async function latestMail(to: string, after?: string): Promise<Mail> {
	for (let i = 0; i < 100; i++) {
		const res = await fetch(`${MAIL_URL}/api/messages/latest?to=${encodeURIComponent(to)}`);
		if (res.ok) {
			const mail = (await res.json()) as Mail;
			if (!after || mail.created_at > after) return mail;
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no mail for ${to}`);
}

/**
 * Takes test patients' work off the clinic's queues when the test is done (cancel open orders
 * and appointments, stop active prescriptions, move visits out of today) so repeated runs never
 * crowd the lists. Ids not set (a setup that did not get that far) are passed over.
 */
export async function retirePatients(...patientIds: string[]) {
	const ids = patientIds.filter(Boolean);
	await sql(
		`update public.lab_orders set status = 'cancelled', cancel_reason = 'test finished'
		  where patient_id = any($1::uuid[]) and status in ('ordered', 'collected')`,
		[ids]
	);
	await sql(
		`update public.prescriptions set status = 'stopped', stop_reason = 'test finished'
		  where patient_id = any($1::uuid[]) and status = 'active'`,
		[ids]
	);
	await sql(
		`update public.visits set scheduled_at = scheduled_at - interval '2 days'
		  where patient_id = any($1::uuid[]) and status in ('scheduled', 'in_progress')`,
		[ids]
	);
	await sql(
		`update public.appointments set status = 'cancelled', cancel_reason = 'test finished'
		  where patient_id = any($1::uuid[]) and status in ('booked', 'arrived')`,
		[ids]
	);
}
