/**
 * Users in GoTrue's tables (`auth.users`, `auth.identities`): lookups, the user object GoTrue
 * returns, input checks (e-mail, password strength, metadata objects), and the writes the
 * endpoints share (create, confirm, password, e-mail change).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { authConfig } from './config.ts';
import { AuthError, emailExists, validationFailed } from './errors.ts';
import { factorJson, userFactors } from './factors.ts';

export interface UserRow {
	id: string;
	aud: string | null;
	role: string | null;
	email: string | null;
	encrypted_password: string | null;
	email_confirmed_at: string | null;
	invited_at: string | null;
	confirmation_sent_at: string | null;
	recovery_sent_at: string | null;
	email_change: string | null;
	email_change_sent_at: string | null;
	last_sign_in_at: string | null;
	raw_app_meta_data: Record<string, unknown> | null;
	raw_user_meta_data: Record<string, unknown> | null;
	phone: string | null;
	phone_confirmed_at: string | null;
	confirmed_at: string | null;
	banned_until: string | null;
	is_anonymous: boolean;
	deleted_at: string | null;
	created_at: string | null;
	updated_at: string | null;
	is_banned: boolean;
}

const USER_COLUMNS = `id, aud, role, email, encrypted_password, email_confirmed_at, invited_at,
	confirmation_sent_at, recovery_sent_at, email_change, email_change_sent_at, last_sign_in_at,
	raw_app_meta_data, raw_user_meta_data, phone, phone_confirmed_at, confirmed_at, banned_until,
	is_anonymous, deleted_at, created_at, updated_at,
	coalesce(banned_until > now(), false) as is_banned`;

async function findUser(
	db: pg.ClientBase,
	where: string,
	value: string,
	lock: boolean
): Promise<UserRow | null> {
	const { rows } = await db.query<UserRow>(
		`select ${USER_COLUMNS} from auth.users where ${where} ${lock ? 'for update' : ''}`,
		[value]
	);
	return rows[0] ?? null;
}

export function findUserById(db: pg.ClientBase, id: string, lock = false) {
	return findUser(db, 'id = $1', id, lock);
}

/** The oldest non-SSO user with this address, case-insensitively. */
export function findUserByEmail(db: pg.ClientBase, email: string, lock = false) {
	return findUser(
		db,
		'lower(email) = lower($1) and is_sso_user = false order by created_at limit 1',
		email,
		lock
	);
}

/** Postgres timestamp text → RFC 3339 (GoTrue prints UTC with fractional seconds). */
export function iso(ts: string | null | undefined): string | undefined {
	if (!ts) return undefined;
	const d = new Date(ts.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
	return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

interface IdentityRow {
	id: string;
	provider_id: string;
	user_id: string;
	identity_data: Record<string, unknown>;
	provider: string;
	last_sign_in_at: string | null;
	created_at: string | null;
	updated_at: string | null;
	email: string | null;
}

/** The user object GoTrue returns (models/user.go JSON, empty optional fields omitted). */
export async function userJson(db: pg.ClientBase, user: UserRow): Promise<Record<string, unknown>> {
	const { rows } = await db.query<IdentityRow>(
		`select id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at,
		updated_at, email from auth.identities where user_id = $1 order by created_at`,
		[user.id]
	);
	const factors = await userFactors(db, user.id);
	const out: Record<string, unknown> = {
		id: user.id,
		aud: user.aud ?? '',
		role: user.role ?? '',
		email: user.email ?? '',
		email_confirmed_at: iso(user.email_confirmed_at),
		phone: user.phone ?? '',
		phone_confirmed_at: iso(user.phone_confirmed_at),
		confirmation_sent_at: iso(user.confirmation_sent_at),
		confirmed_at: iso(user.confirmed_at),
		recovery_sent_at: iso(user.recovery_sent_at),
		invited_at: iso(user.invited_at),
		new_email: user.email_change || undefined,
		email_change_sent_at: user.email_change ? iso(user.email_change_sent_at) : undefined,
		last_sign_in_at: iso(user.last_sign_in_at),
		app_metadata: user.raw_app_meta_data ?? {},
		user_metadata: user.raw_user_meta_data ?? {},
		factors: factors.length ? factors.map(factorJson) : undefined,
		identities: rows.map((i) => ({
			identity_id: i.id,
			id: i.provider_id,
			user_id: i.user_id,
			identity_data: i.identity_data,
			provider: i.provider,
			last_sign_in_at: iso(i.last_sign_in_at),
			created_at: iso(i.created_at),
			updated_at: iso(i.updated_at),
			email: i.email ?? undefined
		})),
		created_at: iso(user.created_at),
		updated_at: iso(user.updated_at),
		banned_until: user.is_banned ? iso(user.banned_until) : undefined,
		is_anonymous: user.is_anonymous
	};
	for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
	return out;
}

const EMAIL_RE =
	/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** GoTrue's validateEmail: required, at most 255 characters, a plausible address. */
export function validateEmail(email: unknown): string {
	if (typeof email !== 'string' || email.trim() === '')
		throw validationFailed('An email address is required');
	const e = email.trim().toLowerCase();
	if (e.length > 255) throw validationFailed('An email address is too long');
	if (!EMAIL_RE.test(e)) throw validationFailed('Unable to validate email address: invalid format');
	return e;
}

/** GoTrue's password rules unmet by `password`: its WeakPasswordError message and reasons. */
export function passwordWeakness(password: string): { message: string; reasons: string[] } | null {
	const messages: string[] = [];
	const reasons: string[] = [];
	const sets = authConfig.passwordRequiredCharacters;
	// GoTrue measures Go string length: UTF-8 bytes
	if (Buffer.byteLength(password) < authConfig.minPasswordLength) {
		reasons.push('length');
		messages.push(`Password should be at least ${authConfig.minPasswordLength} characters.`);
	}
	if (sets.some((set) => ![...set].some((c) => password.includes(c)))) {
		reasons.push('characters');
		messages.push(`Password should contain at least one character of each: ${sets.join(', ')}.`);
	}
	return reasons.length ? { message: messages.join(' '), reasons } : null;
}

/** bcrypt's limit: GoTrue refuses longer passwords before anything else. */
export function checkPasswordLength(password: string) {
	if (Buffer.byteLength(password) > 72)
		throw validationFailed('Password cannot be longer than 72 characters');
}

/**
 * GoTrue checkPasswordStrength (`minimum_password_length`, `password_requirements`): 422
 * weak_password with `weak_password.reasons` (`length`, `characters`).
 */
export function checkPassword(password: unknown): string {
	if (typeof password !== 'string') throw validationFailed('Password must be a string');
	checkPasswordLength(password);
	const weak = passwordWeakness(password);
	if (weak) {
		throw new AuthError(422, 'weak_password', weak.message, {
			weak_password: { reasons: weak.reasons }
		});
	}
	return password;
}

export function asObject(value: unknown, field: string): Record<string, unknown> | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'object' || Array.isArray(value))
		throw validationFailed(`${field} must be an object`);
	return value as Record<string, unknown>;
}

/** GoTrue's metadata merge: top-level keys replace, `null` deletes. */
export function mergeMeta(
	base: Record<string, unknown> | null,
	patch: Record<string, unknown>
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...(base ?? {}) };
	for (const [k, v] of Object.entries(patch)) {
		if (v === null) delete out[k];
		else out[k] = v;
	}
	return out;
}

export interface NewUser {
	id?: string;
	email: string;
	password?: string | null;
	passwordHash?: string | null;
	confirmed: boolean;
	invited?: boolean;
	role?: string;
	userMetadata?: Record<string, unknown>;
	appMetadata?: Record<string, unknown>;
	bannedUntilSql?: string | null;
}

/** Inserts a user with its `email` identity, like GoTrue's signupNewUser + createNewIdentity. */
export async function insertUser(db: pg.ClientBase, u: NewUser): Promise<UserRow> {
	const id = u.id ?? randomUUID();
	const identityData = {
		sub: id,
		email: u.email,
		email_verified: u.confirmed,
		phone_verified: false
	};
	const userMeta = { ...(u.userMetadata ?? {}), ...identityData };
	const appMeta = { provider: 'email', providers: ['email'], ...(u.appMetadata ?? {}) };
	await db.query(
		`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
			invited_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_sso_user,
			is_anonymous, banned_until)
		values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', $2, $3,
			case when $4::text is not null then $4::text
				when $5::text is not null then extensions.crypt($5::text, extensions.gen_salt('bf', 10))
				else '' end,
			case when $6::boolean then now() end, case when $7::boolean then now() end,
			$8::jsonb, $9::jsonb, now(), now(), false, false, $10::timestamptz)`,
		[
			id,
			u.role ?? 'authenticated',
			u.email,
			u.passwordHash ?? null,
			u.password ?? null,
			u.confirmed,
			u.invited ?? false,
			JSON.stringify(appMeta),
			JSON.stringify(userMeta),
			u.bannedUntilSql ?? null
		]
	);
	await db.query(
		`insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
		values ($1::text, $1::uuid, $2::jsonb, 'email', null, now(), now())`,
		[id, JSON.stringify(identityData)]
	);
	return (await findUserById(db, id)) as UserRow;
}

/** Marks the e-mail confirmed (and `email_verified` in identity data and user metadata). */
export async function confirmEmail(db: pg.ClientBase, userId: string) {
	await db.query(
		`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now(),
			raw_user_meta_data = case when raw_user_meta_data ? 'email_verified'
				then jsonb_set(raw_user_meta_data, '{email_verified}', 'true') else raw_user_meta_data end
		where id = $1`,
		[userId]
	);
	await db.query(
		`update auth.identities set identity_data = jsonb_set(identity_data, '{email_verified}', 'true'), updated_at = now()
		where user_id = $1 and provider = 'email'`,
		[userId]
	);
}

export async function setPassword(db: pg.ClientBase, userId: string, password: string) {
	await db.query(
		`update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf', 10)), updated_at = now()
		where id = $1`,
		[userId, password]
	);
}

export async function passwordMatches(
	db: pg.ClientBase,
	userId: string,
	password: string
): Promise<boolean> {
	const { rows } = await db.query<{ ok: boolean }>(
		`select coalesce(encrypted_password <> '' and encrypted_password = extensions.crypt($2, encrypted_password), false) as ok
		from auth.users where id = $1`,
		[userId, password]
	);
	return rows[0]?.ok === true;
}

export async function changeEmail(db: pg.ClientBase, userId: string, email: string) {
	await db.query(
		`update auth.users set email = $2::text, email_change = '', email_change_token_new = '', email_change_sent_at = null,
			email_confirmed_at = now(), updated_at = now(),
			raw_user_meta_data = case when raw_user_meta_data ? 'email' then jsonb_set(raw_user_meta_data, '{email}', to_jsonb($2::text)) else raw_user_meta_data end
		where id = $1`,
		[userId, email]
	);
	await db.query(
		`update auth.identities set identity_data = jsonb_set(identity_data, '{email}', to_jsonb($2::text)), updated_at = now()
		where user_id = $1 and provider = 'email'`,
		[userId, email]
	);
}

/** Throws 422 email_exists when another user already has `email`. */
export async function checkEmailFree(db: pg.ClientBase, email: string, userId?: string) {
	const taken = await findUserByEmail(db, email);
	if (taken && taken.id !== userId) throw emailExists();
}
