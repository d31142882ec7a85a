/**
 * Supabase Auth's Send Email hook (`[auth.hook.send_email]`): Auth POSTs every e-mail it would send
 * (`{ user, email_data }`, signed per Standard Webhooks) here instead of sending it; the portal
 * renders the same template files Auth would (supabase/templates/, subjects from config.toml) in
 * the clinic's name and sends them over SMTP. What it may say about a clinic comes only from what
 * it can establish: the public branding of the host the link returns to and, for an invitation,
 * the invitation that the secret in the link proves (never user_metadata, which users can edit).
 */
import { Webhook } from 'standardwebhooks';
import { roleLabel } from '$lib/roles';
import { textColorOn } from '$lib/color';
import { rootDomain } from '../env';
import { throwawayClient } from '../supabase';
import { loadBranding, logoUrl, resolveTenant } from '../tenant';
import { sendMail } from './smtp';
import { renderEmail, type ClinicContext, type TemplateData, type TemplateName } from './template';

export interface SendEmailPayload {
	user: { id: string; email?: string; new_email?: string; user_metadata?: Record<string, unknown> };
	email_data: {
		token: string;
		token_hash: string;
		redirect_to: string;
		email_action_type: string;
		site_url: string;
		token_new: string;
		token_hash_new: string;
	};
}

/** Verifies the Standard Webhooks signature with `v1,whsec_<base64>`; throws when it does not hold. */
export function verifyHook(secret: string, body: string, headers: Headers): SendEmailPayload {
	const wh = new Webhook(secret.replace(/^v1,/, ''));
	return wh.verify(body, {
		'webhook-id': headers.get('webhook-id') ?? '',
		'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
		'webhook-signature': headers.get('webhook-signature') ?? ''
	}) as SendEmailPayload;
}

const TEMPLATE_OF: Record<string, TemplateName> = {
	signup: 'confirmation',
	invite: 'invite',
	magiclink: 'magic_link',
	recovery: 'recovery',
	email_change: 'email_change'
};

function parseUrl(value: string): URL | null {
	try {
		return new URL(value);
	} catch {
		return null;
	}
}

/** The invitation secret a staff invitation's link carries: `…/auth/confirm?next=/accept-invite?key=…`. */
export function invitationKeyOf(redirectTo: URL): string | null {
	const next = redirectTo.searchParams.get('next');
	if (!next?.startsWith('/accept-invite')) return null;
	return new URL(next, redirectTo.origin).searchParams.get('key');
}

/**
 * The portal address an e-mail's link starts from: `<address>/auth/confirm?…`, to which the
 * templates append `&token_hash=…&type=…`. The portal asks Auth to return to exactly that shape
 * (`<clinic address>/auth/confirm?next=<path>`); any other redirect Auth hands over (its fallback to
 * the site URL when a caller named none or one outside the allow-list, or an allowed address with
 * another path) becomes `<its origin>/auth/confirm?next=<its path>`, so every link works.
 */
export function confirmAddress(redirectTo: URL): string {
	if (redirectTo.pathname === '/auth/confirm' && redirectTo.search.length > 1) {
		return `${redirectTo.origin}/auth/confirm${redirectTo.search}`;
	}
	const next =
		redirectTo.pathname === '/auth/confirm' ? '/' : redirectTo.pathname + redirectTo.search;
	return `${redirectTo.origin}/auth/confirm?next=${encodeURIComponent(next)}`;
}

/** The clinic the link returns to (public branding of its host), or null. */
async function clinicOf(
	redirectTo: URL | null
): Promise<{ slug: string; clinic: ClinicContext } | null> {
	if (!redirectTo) return null;
	const tenant = resolveTenant(redirectTo.host, rootDomain());
	if (tenant.kind !== 'clinic') return null;
	const branding = await loadBranding(throwawayClient(), tenant);
	if (!branding || branding.suspended) return null;
	return {
		slug: branding.slug,
		clinic: {
			Name: branding.name,
			URL: redirectTo.origin,
			Color: branding.themeColor,
			TextColor: branding.textColor,
			LogoURL: branding.logoUrl ?? ''
		}
	};
}

/** The message(s) Auth asked for, rendered; exported for tests of the rendering rules. */
export async function composeAuthEmails(payload: SendEmailPayload) {
	const d = payload.email_data;
	const user = payload.user;
	const redirectTo = parseUrl(d.redirect_to);
	// Auth always names a redirect (the request's, or its site URL): without one no link can be made
	if (!redirectTo || !/^https?:$/.test(redirectTo.protocol)) {
		throw new Error(`send-email hook: no usable redirect_to (${d.redirect_to})`);
	}
	const host = await clinicOf(redirectTo);
	let clinic = host?.clinic ?? null;
	let template = TEMPLATE_OF[d.email_action_type];
	if (!template) return [];

	const key = invitationKeyOf(redirectTo);
	if (key && (d.email_action_type === 'signup' || d.email_action_type === 'magiclink')) {
		// a staff invitation: the secret proves which one; it must be for this very address
		const { data } = await throwawayClient()
			.rpc('invitation_by_secret', { secret: key })
			.maybeSingle();
		if (
			clinic &&
			data &&
			data.email === (user.email ?? '').toLowerCase() &&
			host?.slug === data.organization_slug
		) {
			template = 'invite';
			const color = data.theme_color || clinic.Color;
			clinic = {
				...clinic,
				Color: color,
				TextColor: textColorOn(color),
				LogoURL: data.logo_path ? logoUrl(data.logo_path) : clinic.LogoURL,
				Role: roleLabel(data.role),
				InviterName: data.inviter_name ?? '',
				InviteeName: data.full_name
			};
		}
	} else if (d.email_action_type === 'invite' && clinic) {
		// Auth's admin invite: only the platform console (service role) sends one, for a new
		// clinic's first admin
		clinic = { ...clinic, Role: roleLabel('admin'), InviterName: 'The platform team' };
	}

	const confirmationUrl = (hash: string) =>
		`${d.site_url}/verify?token=${encodeURIComponent(hash)}&type=${d.email_action_type}&redirect_to=${encodeURIComponent(d.redirect_to)}`;
	// The templates' variables as Auth fills them, but for the link: .RedirectTo is always the
	// portal's /auth/confirm address (confirmAddress) and .SiteURL the portal address it is on
	// (email_data.site_url is Auth's own URL), so the templates' link is right in every case.
	const base = (to: string, token: string, hash: string): TemplateData => ({
		SiteURL: redirectTo.origin,
		ConfirmationURL: confirmationUrl(hash),
		Email: user.email ?? '',
		Token: token,
		TokenHash: hash,
		Data: user.user_metadata ?? {},
		RedirectTo: confirmAddress(redirectTo),
		SendingTo: to,
		...(clinic ? { Clinic: clinic } : {})
	});

	if (d.email_action_type === 'email_change') {
		const newEmail = user.new_email ?? '';
		const out = [];
		// GoTrue's mapping: token_hash goes with the NEW address, token_hash_new with the current one
		if (d.token_hash_new) {
			out.push({
				to: newEmail,
				...renderEmail(template, {
					...base(newEmail, d.token_new, d.token_hash),
					NewEmail: newEmail
				})
			});
			out.push({
				to: user.email ?? '',
				...renderEmail(template, {
					...base(user.email ?? '', d.token, d.token_hash_new),
					NewEmail: newEmail
				})
			});
		} else {
			out.push({
				to: newEmail,
				...renderEmail(template, { ...base(newEmail, d.token, d.token_hash), NewEmail: newEmail })
			});
		}
		return out.map((m) => ({ ...m, fromName: clinic?.Name ?? null }));
	}
	const to = user.email ?? '';
	return [
		{
			to,
			...renderEmail(template, base(to, d.token, d.token_hash)),
			fromName: clinic?.Name ?? null
		}
	];
}

/** Renders and sends what Auth asked for. */
export async function handleSendEmail(payload: SendEmailPayload): Promise<void> {
	for (const m of await composeAuthEmails(payload)) {
		if (!m.to) continue;
		await sendMail(m);
	}
}
