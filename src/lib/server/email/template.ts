/**
 * The e-mail templates of `supabase/templates/` and their subjects from `supabase/config.toml`
 * (`[auth.email.template.<name>]`), bundled at build time so the Send Email hook renders exactly
 * the files Supabase Auth renders, with the renderer kept beside them
 * (`supabase/templates/go-template.ts`, which the local runtime's mailer uses too).
 */
import configToml from '../../../../supabase/config.toml?raw';
import { parseTemplate, renderTemplate } from '../../../../supabase/templates/go-template.ts';
import inviteHtml from '../../../../supabase/templates/invite.html?raw';
import inviteText from '../../../../supabase/templates/invite.txt?raw';
import confirmationHtml from '../../../../supabase/templates/confirmation.html?raw';
import confirmationText from '../../../../supabase/templates/confirmation.txt?raw';
import magicLinkHtml from '../../../../supabase/templates/magic_link.html?raw';
import magicLinkText from '../../../../supabase/templates/magic_link.txt?raw';
import recoveryHtml from '../../../../supabase/templates/recovery.html?raw';
import recoveryText from '../../../../supabase/templates/recovery.txt?raw';
import emailChangeHtml from '../../../../supabase/templates/email_change.html?raw';
import emailChangeText from '../../../../supabase/templates/email_change.txt?raw';

export type TemplateName = 'invite' | 'confirmation' | 'magic_link' | 'recovery' | 'email_change';

const FILES: Record<TemplateName, { html: string; text: string }> = {
	invite: { html: inviteHtml, text: inviteText },
	confirmation: { html: confirmationHtml, text: confirmationText },
	magic_link: { html: magicLinkHtml, text: magicLinkText },
	recovery: { html: recoveryHtml, text: recoveryText },
	email_change: { html: emailChangeHtml, text: emailChangeText }
};

/** `subject = "…"` of each `[auth.email.template.<name>]` table in config.toml. */
export function subjectsFrom(toml: string): Partial<Record<TemplateName, string>> {
	const out: Partial<Record<TemplateName, string>> = {};
	let table = '';
	for (const line of toml.split(/\r?\n/)) {
		const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
		if (header) {
			table = header[1].trim();
			continue;
		}
		const m = /^auth\.email\.template\.([a-z_]+)$/.exec(table);
		const subject = /^\s*subject\s*=\s*("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(line);
		if (m && subject && m[1] in FILES) out[m[1] as TemplateName] = JSON.parse(subject[1]);
	}
	return out;
}

const SUBJECTS = subjectsFrom(configToml);

/** The clinic an e-mail speaks for (only what the hook could establish). */
export interface ClinicContext {
	Name: string;
	URL: string;
	Color: string;
	TextColor: string;
	LogoURL: string;
	/** Invitations only: the invitee's and the inviter's names and the role (label). */
	Role?: string;
	InviterName?: string;
	InviteeName?: string;
}

/** GoTrue's template variables, plus `.Clinic` that only the hook fills. */
export interface TemplateData {
	SiteURL: string;
	ConfirmationURL: string;
	Email: string;
	Token: string;
	TokenHash: string;
	Data: Record<string, unknown>;
	RedirectTo: string;
	NewEmail?: string;
	SendingTo?: string;
	Clinic?: ClinicContext;
}

export { parseTemplate };

export function renderEmail(name: TemplateName, data: TemplateData) {
	const files = FILES[name];
	return {
		subject: renderTemplate(parseTemplate(SUBJECTS[name] ?? ''), data, false).trim(),
		html: renderTemplate(parseTemplate(files.html), data, true).trim(),
		text: renderTemplate(parseTemplate(files.text), data, false).trim()
	};
}
