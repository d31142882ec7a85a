/**
 * The e-mail templates of `supabase/templates/` and their subjects from `supabase/config.toml`
 * (`[auth.email.template.<name>]`), bundled at build time so the Send Email hook renders exactly
 * the files Supabase Auth renders. The renderer understands the part of Go's html/template these
 * files use (`{{ .A.B }}`, `if`, `with`, `else`, `end`, comments, trim markers) and escapes values
 * in HTML; no maintained npm package renders Go templates, and the runtime (which the portal never
 * imports) has its own copy for when the hook is off.
 */
import configToml from '../../../../supabase/config.toml?raw';
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

type Node =
	| { kind: 'text'; text: string }
	| { kind: 'value'; path: string[] }
	| { kind: 'if' | 'with'; cond: Cond; then: Node[]; else: Node[] };

/** A condition: a field (`.X.Y`), or `eq` of fields and "string" literals (Go's builtin). */
type Cond = { path: string[] } | { eq: ({ path: string[] } | { literal: string })[] };

function fieldPath(expr: string): string[] {
	const e = expr.trim();
	if (e === '.') return [];
	if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(e)) throw new Error(`template: unsupported {{ ${e} }}`);
	return e.slice(1).split('.');
}

/**
 * `.X` for `if`/`with`; for `if` also `eq A B…` (true when A equals any of the others, as Go's
 * builtin) with fields and "double-quoted" strings as arguments.
 */
function condition(expr: string, allowEq: boolean): Cond {
	const e = expr.trim();
	if (allowEq && e.startsWith('eq ')) {
		const args =
			e
				.slice(3)
				.trim()
				.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
		if (args.length < 2) throw new Error(`template: eq needs two arguments in {{ if ${e} }}`);
		return {
			eq: args.map((a) =>
				a.startsWith('"') ? { literal: JSON.parse(a) as string } : { path: fieldPath(a) }
			)
		};
	}
	return { path: fieldPath(e) };
}

export function parseTemplate(src: string): Node[] {
	const tokens: ({ text: string } | { action: string })[] = [];
	let i = 0;
	while (i < src.length) {
		const open = src.indexOf('{{', i);
		if (open < 0) {
			tokens.push({ text: src.slice(i) });
			break;
		}
		let text = src.slice(i, open);
		const close = src.indexOf('}}', open);
		if (close < 0) throw new Error('template: unclosed action');
		let action = src.slice(open + 2, close);
		if (action.startsWith('-')) {
			text = text.replace(/\s+$/, '');
			action = action.slice(1);
		}
		i = close + 2;
		if (action.endsWith('-')) {
			action = action.slice(0, -1);
			while (i < src.length && /\s/.test(src[i])) i++;
		}
		tokens.push({ text }, { action: action.trim() });
	}
	let pos = 0;
	function block(stopAt: string[]): { nodes: Node[]; stop: string } {
		const nodes: Node[] = [];
		while (pos < tokens.length) {
			const t = tokens[pos++];
			if ('text' in t) {
				if (t.text) nodes.push({ kind: 'text', text: t.text });
				continue;
			}
			const a = t.action;
			if (a.startsWith('/*')) continue;
			if (stopAt.includes(a)) return { nodes, stop: a };
			const m = /^(if|with)\s+(.+)$/.exec(a);
			if (m) {
				const then = block(['else', 'end']);
				const otherwise = then.stop === 'else' ? block(['end']).nodes : [];
				nodes.push({
					kind: m[1] as 'if' | 'with',
					cond: condition(m[2], m[1] === 'if'),
					then: then.nodes,
					else: otherwise
				});
				continue;
			}
			nodes.push({ kind: 'value', path: fieldPath(a) });
		}
		if (stopAt.length) throw new Error('template: missing {{ end }}');
		return { nodes, stop: '' };
	}
	return block([]).nodes;
}

function lookup(dot: unknown, path: string[]): unknown {
	let v = dot;
	for (const key of path) {
		if (v === null || typeof v !== 'object') return undefined;
		v = (v as Record<string, unknown>)[key];
	}
	return v;
}

function evaluate(dot: unknown, cond: Cond): unknown {
	if ('path' in cond) return lookup(dot, cond.path);
	const [first, ...rest] = cond.eq.map((a) => ('literal' in a ? a.literal : lookup(dot, a.path)));
	return rest.some((v) => v === first);
}

function truthy(v: unknown): boolean {
	if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
	if (Array.isArray(v)) return v.length > 0;
	if (typeof v === 'object') return Object.keys(v as object).length > 0;
	return true;
}

function escapeHtml(s: string): string {
	return s.replace(/[&<>"'+]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderNodes(nodes: Node[], data: unknown, html: boolean): string {
	let out = '';
	for (const n of nodes) {
		if (n.kind === 'text') out += n.text;
		else if (n.kind === 'value') {
			const v = lookup(data, n.path);
			const s = v === undefined || v === null ? '' : String(v);
			out += html ? escapeHtml(s) : s;
		} else {
			const v = evaluate(data, n.cond);
			if (truthy(v)) out += renderNodes(n.then, n.kind === 'with' ? v : data, html);
			else out += renderNodes(n.else, data, html);
		}
	}
	return out;
}

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

export function renderEmail(name: TemplateName, data: TemplateData) {
	const files = FILES[name];
	return {
		subject: renderNodes(parseTemplate(SUBJECTS[name] ?? ''), data, false).trim(),
		html: renderNodes(parseTemplate(files.html), data, true).trim(),
		text: renderNodes(parseTemplate(files.text), data, false).trim()
	};
}
