/**
 * The admin users API (`/admin/users…`, service_role only): create, list (paged, `Link` and
 * `X-Total-Count`), get, update, delete (hard or soft).
 */
import type pg from 'pg';
import { isUuid, sendJson, type GatewayContext } from '../core/http.ts';
import { jsonBody, requireAdmin, str } from './caller.ts';
import { parseGoDuration } from './config.ts';
import { AuthError, emailExists, validationFailed } from './errors.ts';
import { tx } from './tx.ts';
import {
	asObject,
	changeEmail,
	checkEmailFree,
	checkPassword,
	confirmEmail,
	findUserByEmail,
	findUserById,
	insertUser,
	mergeMeta,
	setPassword,
	userJson,
	validateEmail
} from './users.ts';
import type { UserRow } from './users.ts';

function banSql(value: unknown): string | null | undefined {
	if (value === undefined) return undefined;
	if (value === 'none' || value === null || value === '') return null;
	if (typeof value !== 'string') throw validationFailed('invalid format for ban duration');
	let secs: number;
	try {
		secs = parseGoDuration(value);
	} catch {
		throw validationFailed(`invalid format for ban duration: ${value}`);
	}
	return new Date(Date.now() + secs * 1000).toISOString();
}

export async function adminCreateUser(ctx: GatewayContext) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	if (!str(body.email) && !str(body.phone))
		throw validationFailed('Cannot create a user without either an email or phone');
	if (str(body.phone) && !str(body.email))
		throw validationFailed('Phone users are not supported by the local runtime');
	const email = validateEmail(body.email);
	const password = str(body.password);
	// GoTrue's admin create checks no strength rules, only bcrypt's length limit
	if (password && Buffer.byteLength(password) > 72)
		throw validationFailed('bcrypt: password length exceeds 72 bytes');
	const passwordHash = str(body.password_hash);
	if (passwordHash && !/^\$2[aby]\$\d\d\$/.test(passwordHash))
		throw validationFailed('Invalid password hash format');
	const id = str(body.id);
	if (id && !isUuid(id)) throw validationFailed('id must be a valid UUID');
	const userMetadata = asObject(body.user_metadata, 'user_metadata') ?? asObject(body.data, 'data');
	const appMetadata = asObject(body.app_metadata, 'app_metadata');
	const banned = banSql(body.ban_duration);
	const role = str(body.role);
	const user = await tx(async (db) => {
		if (await findUserByEmail(db, email)) {
			throw emailExists();
		}
		if (id && (await findUserById(db, id)))
			throw new AuthError(422, 'user_already_exists', 'User already registered');
		const row = await insertUser(db, {
			id,
			email,
			password,
			passwordHash,
			confirmed: body.email_confirm === true,
			role,
			userMetadata,
			appMetadata,
			bannedUntilSql: banned ?? null
		});
		return userJson(db, row);
	});
	sendJson(ctx.res, 200, user);
}

export async function adminListUsers(ctx: GatewayContext) {
	requireAdmin(ctx);
	const q = ctx.url.searchParams;
	const pageRaw = q.get('page') || '1';
	const perRaw = q.get('per_page') || '50';
	if (!/^\d+$/.test(pageRaw) || !/^\d+$/.test(perRaw))
		throw new AuthError(400, 'validation_failed', 'Bad Pagination Parameters');
	const page = Math.max(1, Number(pageRaw));
	const perPage = Math.min(Math.max(1, Number(perRaw)), 1000);
	const filter = q.get('filter');
	const { users, total } = await tx(async (db) => {
		const where =
			`deleted_at is null and aud = 'authenticated'` +
			(filter ? ` and (email ilike '%' || $3 || '%')` : '');
		const params: unknown[] = [perPage, (page - 1) * perPage];
		if (filter) params.push(filter.replace(/[\\%_]/g, '\\$&'));
		const { rows } = await db.query<{ id: string }>(
			`select id from auth.users where ${where} order by created_at desc, id limit $1 offset $2`,
			params
		);
		const { rows: count } = await db.query<{ n: string }>(
			`select count(*)::text as n from auth.users where ${where.replace('$3', '$1')}`,
			filter ? [params[2]] : []
		);
		const out: Record<string, unknown>[] = [];
		for (const r of rows) {
			const u = await findUserById(db, r.id);
			if (u) out.push(await userJson(db, u));
		}
		return { users: out, total: Number(count[0].n) };
	});
	const totalPages = Math.max(1, Math.ceil(total / perPage));
	const link = (p: number) => {
		const params = new URLSearchParams(q);
		params.set('page', String(p));
		params.set('per_page', String(perPage));
		params.sort();
		return `</admin/users?${params}>`;
	};
	const links: string[] = [];
	if (page < totalPages) links.push(`${link(page + 1)}; rel="next"`);
	links.push(`${link(totalPages)}; rel="last"`);
	sendJson(
		ctx.res,
		200,
		{ users, aud: 'authenticated' },
		{ Link: links.join(', '), 'X-Total-Count': String(total) }
	);
}

async function loadAdminTarget(db: pg.ClientBase, id: string, lock = false): Promise<UserRow> {
	if (!isUuid(id)) throw new AuthError(404, 'user_not_found', 'User not found');
	const user = await findUserById(db, id, lock);
	if (!user || user.deleted_at) throw new AuthError(404, 'user_not_found', 'User not found');
	return user;
}

export async function adminGetUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	sendJson(ctx.res, 200, await tx(async (db) => userJson(db, await loadAdminTarget(db, id))));
}

export async function adminUpdateUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	const userMetadata = asObject(body.user_metadata, 'user_metadata');
	const appMetadata = asObject(body.app_metadata, 'app_metadata');
	const banned = banSql(body.ban_duration);
	const out = await tx(async (db) => {
		const user = await loadAdminTarget(db, id, true);
		const email = str(body.email);
		if (email && email.trim().toLowerCase() !== (user.email ?? '').toLowerCase()) {
			const e = validateEmail(email);
			await checkEmailFree(db, e, user.id);
			await changeEmail(db, user.id, e);
			if (body.email_confirm !== true && !user.email_confirmed_at) {
				await db.query(`update auth.users set email_confirmed_at = null where id = $1`, [user.id]);
			}
		}
		const password = str(body.password);
		if (password) {
			checkPassword(password);
			await setPassword(db, user.id, password);
		}
		const hash = str(body.password_hash);
		if (hash) {
			if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw validationFailed('Invalid password hash format');
			await db.query(`update auth.users set encrypted_password = $2 where id = $1`, [
				user.id,
				hash
			]);
		}
		if (body.email_confirm === true) await confirmEmail(db, user.id);
		if (userMetadata) {
			await db.query(`update auth.users set raw_user_meta_data = $2::jsonb where id = $1`, [
				user.id,
				JSON.stringify(mergeMeta(user.raw_user_meta_data, userMetadata))
			]);
		}
		if (appMetadata) {
			await db.query(`update auth.users set raw_app_meta_data = $2::jsonb where id = $1`, [
				user.id,
				JSON.stringify(mergeMeta(user.raw_app_meta_data, appMetadata))
			]);
		}
		const role = str(body.role);
		if (role) await db.query(`update auth.users set role = $2 where id = $1`, [user.id, role]);
		if (banned !== undefined) {
			await db.query(`update auth.users set banned_until = $2::timestamptz where id = $1`, [
				user.id,
				banned
			]);
			// GoTrue's User.Ban only sets banned_until: sessions stay, refresh refuses them
		}
		await db.query(`update auth.users set updated_at = now() where id = $1`, [user.id]);
		return userJson(db, (await findUserById(db, user.id)) as UserRow);
	});
	sendJson(ctx.res, 200, out);
}

export async function adminDeleteUser(ctx: GatewayContext, id: string) {
	requireAdmin(ctx);
	const body = await jsonBody(ctx);
	await tx(async (db) => {
		const user = await loadAdminTarget(db, id, true);
		if (body.should_soft_delete === true) {
			await db.query(`delete from auth.sessions where user_id = $1`, [user.id]);
			await db.query(`delete from auth.identities where user_id = $1`, [user.id]);
			await db.query(
				`update auth.users set deleted_at = now(), updated_at = now(), email = null, phone = null,
					encrypted_password = '', confirmation_token = '', recovery_token = '',
					raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
				where id = $1`,
				[user.id]
			);
		} else {
			await db.query(`delete from auth.users where id = $1`, [user.id]);
		}
	});
	sendJson(ctx.res, 200, {});
}
