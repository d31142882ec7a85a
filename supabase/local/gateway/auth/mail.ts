/**
 * Mail sending as GoTrue does it (`internal/api/mail.go` sendEmail): each flow (signup, invite,
 * recovery, magic link, e-mail change) gets a fresh one-time token and its e-mail. With
 * `[auth.hook.send_email]` enabled, Auth sends nothing itself: it POSTs `{metadata, user,
 * email_data}` to the hook, signed per Standard Webhooks, inside the request's transaction (a failed
 * hook fails the request and keeps no token). Otherwise it renders the configured template files
 * (`[auth.email.template.*]`, html/template syntax, GoTrue's variables) and the local mailbox
 * (../mailbox.ts) receives the message. One local difference (docs/local-runtime.md, "Mailbox"):
 * a hook on this machine that nothing listens at (the portal is not running) falls back to the
 * templates, with a log line.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { Webhook } from 'standardwebhooks';
import type { GatewayContext } from '../core/http.ts';
import { deliver, type MailType } from '../mailbox.ts';
import { AUTH_URL, authConfig, redirectTarget, type EmailTemplateName } from './config.ts';
import { AuthError } from './errors.ts';
import { parseTemplate, renderTemplate } from '../../../templates/go-template.ts';
import { createOneTimeToken } from './one-time-tokens.ts';
import { afterCommit } from './tx.ts';
import type { OttType } from './one-time-tokens.ts';
import { findUserById, userJson } from './users.ts';
import type { UserRow } from './users.ts';

const LINK_TOKEN: Record<MailType, OttType> = {
	signup: 'confirmation_token',
	invite: 'confirmation_token',
	magiclink: 'recovery_token',
	recovery: 'recovery_token',
	email_change: 'email_change_token_new'
};

export interface Link {
	actionLink: string;
	emailOtp: string;
	hashedToken: string;
	redirectTo: string;
	type: MailType;
}

/** GoTrue's encodeRedirectURL: query-escaped only when it holds `&`, `=` or `#`. */
function encodeRedirect(url: string): string {
	return /[&=#]/.test(url) ? encodeURIComponent(url).replace(/%20/g, '+') : url;
}

function actionLink(tokenHash: string, type: MailType, redirectTo: string): string {
	return `${AUTH_URL}/verify?token=${encodeURIComponent(tokenHash)}&type=${type}&redirect_to=${encodeRedirect(redirectTo)}`;
}

export async function makeLink(
	db: pg.ClientBase,
	user: UserRow,
	type: MailType,
	email: string,
	redirect: string | null | undefined,
	pkce = false,
	tokenType: OttType = LINK_TOKEN[type]
): Promise<Link> {
	const { otp, tokenHash } = await createOneTimeToken(db, user.id, tokenType, email, pkce);
	const redirectTo = redirectTarget(redirect);
	return {
		actionLink: actionLink(tokenHash, type, redirectTo),
		emailOtp: otp,
		hashedToken: tokenHash,
		redirectTo,
		type
	};
}

// Templates -------------------------------------------------------------------------------------------

const TEMPLATE_OF: Record<MailType, EmailTemplateName> = {
	signup: 'confirmation',
	invite: 'invite',
	recovery: 'recovery',
	magiclink: 'magic_link',
	email_change: 'email_change'
};

/** GoTrue's built-in subjects and bodies (templatemailer.go), used when config.toml sets none. */
const DEFAULTS: Record<EmailTemplateName, [string, string]> = {
	invite: [
		"You've been invited",
		`<h2>You've been invited</h2>\n\n<p>You've been invited to create an account. Follow the link below to accept.</p>\n<p><a href="{{ .ConfirmationURL }}">Accept invitation</a></p>`
	],
	confirmation: [
		'Confirm your email address',
		`<h2>Confirm your email address</h2>\n\n<p>Follow the link below to confirm this email address and finish signing up.</p>\n<p><a href="{{ .ConfirmationURL }}">Confirm email address</a></p>\n`
	],
	recovery: [
		'Reset your password',
		`<h2>Reset your password</h2>\n\n<p>We received a request to reset your password. Follow the link below to choose a new one.</p>\n<p><a href="{{ .ConfirmationURL }}">Reset password</a></p>\n<p>If you didn't request this, you can safely ignore this email.</p>`
	],
	magic_link: [
		'Your sign-in link',
		`<h2>Your sign-in link</h2>\n\n<p>Follow the link below to sign in. This link expires shortly and can only be used once.</p>\n<p><a href="{{ .ConfirmationURL }}">Sign in</a></p>`
	],
	email_change: [
		'Confirm your new email address',
		`<h2>Confirm your new email address</h2>\n\n<p>Follow the link below to confirm {{ .NewEmail }} as your new email address.</p>\n<p><a href="{{ .ConfirmationURL }}">Confirm new email address</a></p>\n<p>If you didn't request this change, you can safely ignore this email.</p>`
	]
};

function renderMail(name: EmailTemplateName, data: Record<string, unknown>) {
	const configured = authConfig.emailTemplates[name];
	const [defaultSubject, defaultBody] = DEFAULTS[name];
	const path = configured?.contentPath;
	const body = path && existsSync(path) ? readFileSync(path, 'utf8') : defaultBody;
	const subject = renderTemplate(
		parseTemplate(configured?.subject ?? defaultSubject),
		data,
		false,
		'<no value>'
	);
	const html = renderTemplate(parseTemplate(body), data, true);
	return { subject, html };
}

// Sending -------------------------------------------------------------------------------------------

export interface MailPart {
	to: string;
	link: Link;
}

/** The Send Email hook's `email_data` (GoTrue mailer.EmailData). */
interface EmailData {
	token: string;
	token_hash: string;
	redirect_to: string;
	email_action_type: MailType;
	site_url: string;
	token_new: string;
	token_hash_new: string;
	old_email: string;
	old_phone: string;
	provider: string;
	factor_type: string;
}

/** The hook's URI names this machine (the portal of a developer or of the browser tests). */
function isLoopback(uri: string): boolean {
	const host = new URL(uri).hostname;
	return ['localhost', '127.0.0.1', '[::1]'].includes(host) || host.endsWith('.localhost');
}

/** Nothing listens at the hook's loopback address: the local portal is not running. */
class HookNotRunning extends Error {}

/**
 * GoTrue's HTTP hook dispatcher (hookshttp.go): 5 s timeout, 3 attempts, 2 s back-off. One local
 * difference: when the hook points at this machine and the connection is refused (the portal is
 * not running: `npm run stack:start` alone, the API tests), it throws HookNotRunning at once.
 */
async function callSendEmailHook(payload: unknown): Promise<void> {
	const hook = authConfig.sendEmailHook!;
	const body = JSON.stringify(payload);
	for (let attempt = 0; attempt < 3; attempt++) {
		const id = randomUUID();
		const now = new Date();
		const signatures = hook.secrets.map((s) =>
			new Webhook(s.replace(/^v1,/, '')).sign(id, now, body)
		);
		let res: Response;
		try {
			res = await fetch(hook.uri, {
				method: 'POST',
				headers: {
					'Content-Type': 'application/json',
					'webhook-id': id,
					'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
					'webhook-signature': signatures.join(', '),
					'Accept-Encoding': 'identity'
				},
				body,
				signal: AbortSignal.timeout(5000)
			});
		} catch (err) {
			const code = ((err as Error).cause as { code?: string } | undefined)?.code;
			if (code === 'ECONNREFUSED' && isLoopback(hook.uri)) throw new HookNotRunning(hook.uri);
			if ((err as Error).name === 'TimeoutError') {
				throw new AuthError(
					422,
					'hook_timeout',
					'Failed to reach hook within maximum time of 5.000000 seconds'
				);
			}
			if (attempt < 2) {
				await new Promise((r) => setTimeout(r, 2000));
				continue;
			}
			throw new AuthError(
				422,
				'hook_timeout_after_retry',
				'Failed to reach hook after maximum retries'
			);
		}
		if (res.status === 204) return;
		if (res.status === 200 || res.status === 202) {
			const type = res.headers.get('content-type');
			if (!type)
				throw new AuthError(
					400,
					'hook_payload_invalid_content_type',
					'Invalid Content-Type: Missing Content-Type header'
				);
			if (type.split(';')[0].trim() !== 'application/json') {
				throw new AuthError(
					400,
					'hook_payload_invalid_content_type',
					`Invalid JSON response. Received content-type: ${type}`
				);
			}
			const text = await res.text();
			let out: { error?: { http_code?: number; message?: string } };
			try {
				out = text ? JSON.parse(text) : {};
			} catch {
				throw new AuthError(500, 'unexpected_failure', 'Error unmarshaling JSON output.');
			}
			if (out && typeof out === 'object' && out.error) {
				const status = Number(out.error.http_code) || 500;
				throw new AuthError(
					status,
					'unexpected_failure',
					out.error.message ?? 'Internal server error'
				);
			}
			return;
		}
		await res.body?.cancel();
		if ((res.status === 429 || res.status === 503) && res.headers.get('retry-after')) continue;
		const message =
			res.status === 429 || res.status === 503
				? 'Service currently unavailable due to hook'
				: res.status === 400
					? 'Invalid payload sent to hook'
					: res.status === 401
						? 'Hook requires authorization token'
						: `Unexpected status code returned from hook: ${res.status}`;
		throw new AuthError(500, 'unexpected_failure', message);
	}
	throw new AuthError(500, 'unexpected_failure', 'Service currently unavailable due to hook');
}

function clientIp(ctx: GatewayContext | null): string {
	const fwd = ctx?.req.headers['x-forwarded-for'];
	const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
	return first || ctx?.req.socket.remoteAddress || '';
}

function templateData(user: UserRow, link: Link, extra: Record<string, unknown> = {}) {
	return {
		SiteURL: authConfig.siteUrl,
		ConfirmationURL: link.actionLink,
		Email: user.email ?? '',
		Token: link.emailOtp,
		TokenHash: link.hashedToken,
		Data: user.raw_user_meta_data ?? {},
		RedirectTo: link.redirectTo,
		...extra
	};
}

/**
 * Sends the e-mail of one flow (GoTrue sendEmail) inside the transaction that created its token:
 * through the Send Email hook when configured (a hook failure fails the request, as in GoTrue),
 * else rendered from the templates into the mailbox once the token is committed. For an e-mail
 * change, `current` is the second message (double_confirm_changes).
 *
 * Local only (docs/local-runtime.md, "Mailbox"): when the hook points at this machine and nothing
 * listens there (the portal is not running), the runtime renders the same templates itself, as
 * Auth does without a hook, and logs that it did; hosted Auth would fail the request instead.
 */
export async function sendMail(
	db: pg.ClientBase,
	ctx: GatewayContext | null,
	userId: string,
	main: MailPart,
	current: MailPart | null = null
): Promise<void> {
	const user = (await findUserById(db, userId)) as UserRow;
	const type = main.link.type;
	if (authConfig.sendEmailHook) {
		// GoTrue's field mapping, quirks included: for a double-confirmed e-mail change `token` is the
		// current address's code while `token_hash` is the NEW address's hash, and `token_new` /
		// `token_hash_new` the other way round (mail.go, "BUG(cstockton)").
		const emailData: EmailData = {
			token: current ? current.link.emailOtp : main.link.emailOtp,
			token_hash: main.link.hashedToken,
			redirect_to: main.link.redirectTo,
			email_action_type: type,
			site_url: AUTH_URL,
			token_new: current ? main.link.emailOtp : '',
			token_hash_new: current ? current.link.hashedToken : '',
			old_email: '',
			old_phone: '',
			provider: '',
			factor_type: ''
		};
		try {
			await callSendEmailHook({
				metadata: {
					uuid: randomUUID(),
					time: new Date().toISOString(),
					name: 'send-email',
					ip_address: clientIp(ctx)
				},
				user: await userJson(db, user),
				email_data: emailData
			});
			return;
		} catch (err) {
			if (!(err instanceof HookNotRunning)) throw err;
			console.error(
				`[auth] send_email hook: nothing listens at ${err.message} (is the portal running?); ` +
					'rendered the templates locally instead, without the clinic details only the hook adds'
			);
		}
	}
	const name = TEMPLATE_OF[type];
	const parts = current ? [main, current] : [main];
	for (const part of parts) {
		const extra =
			type === 'email_change' ? { NewEmail: user.email_change ?? main.to, SendingTo: part.to } : {};
		const { subject, html } = renderMail(name, templateData(user, part.link, extra));
		afterCommit(db, () =>
			deliver({
				to: part.to,
				type,
				subject,
				html,
				actionLink: part.link.actionLink,
				emailOtp: part.link.emailOtp,
				tokenHash: part.link.hashedToken,
				redirectTo: part.link.redirectTo
			})
		);
	}
}

/**
 * GoTrue sendEmailChange: a token for the new address and, with double_confirm_changes, one for the
 * current address; the change waits for the links (verify.ts).
 */
export async function sendEmailChange(
	db: pg.ClientBase,
	ctx: GatewayContext | null,
	user: UserRow,
	newEmail: string,
	redirect: string | null | undefined,
	pkce: boolean
): Promise<void> {
	await db.query(
		`update auth.users set email_change = $2, email_change_confirm_status = 0,
			email_change_token_current = '', updated_at = now() where id = $1`,
		[user.id, newEmail]
	);
	await db.query(
		`delete from auth.one_time_tokens where user_id = $1 and token_type = 'email_change_token_current'`,
		[user.id]
	);
	const next = await makeLink(
		db,
		user,
		'email_change',
		newEmail,
		redirect,
		pkce,
		'email_change_token_new'
	);
	const current =
		authConfig.doubleConfirmChanges && user.email
			? {
					to: user.email,
					link: await makeLink(
						db,
						user,
						'email_change',
						user.email,
						redirect,
						pkce,
						'email_change_token_current'
					)
				}
			: null;
	await sendMail(db, ctx, user.id, { to: newEmail, link: next }, current);
}
