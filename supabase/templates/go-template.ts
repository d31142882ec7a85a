/**
 * The part of Go's html/template language that Auth's e-mail templates (this folder) use, rendered
 * as Supabase Auth renders them: `{{ .Field.Sub }}`, `{{ if … }}…{{ else }}…{{ end }}` with a field
 * or `eq` of fields and strings, `{{ with .X }}`, comments and trim markers; values are
 * HTML-escaped in HTML. Anything else is refused loudly. No maintained npm package renders Go
 * templates. It lives beside the templates because two sides render them and neither imports the
 * other: the portal's Send Email hook (src/lib/server/email/template.ts) and the local runtime's
 * Auth mailer (supabase/local/gateway/auth/mail.ts). It imports nothing.
 */

export type Node =
	| { kind: 'text'; text: string }
	| { kind: 'value'; path: string[] }
	| { kind: 'if' | 'with'; cond: Cond; then: Node[]; else: Node[] };

/** A condition: a field (`.X.Y`), or `eq` of fields and "string" literals (Go's builtin). */
type Cond = { path: string[] } | { eq: ({ path: string[] } | { literal: string })[] };

/** `.A.B` → ['A', 'B']; `.` → []. */
function fieldPath(expr: string): string[] {
	const e = expr.trim();
	if (e === '.') return [];
	if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(e)) {
		throw new Error(`template: unsupported expression {{ ${e} }} (fields, if, with, else, end)`);
	}
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

/**
 * Parses the part of Go's template language these templates use: `{{ .Field.Sub }}`,
 * `{{ if .X }}…{{ else }}…{{ end }}`, `{{ with .X }}…{{ end }}` (dot becomes .X), comments
 * `{{/* … *\/}}` and the `{{-`/`-}}` trim markers. Anything else is refused loudly.
 */
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
		if (stopAt.length) throw new Error(`template: missing {{ end }}`);
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

/** Go's truth: false, 0, nil, and empty strings, maps and slices are false. */
function truthy(v: unknown): boolean {
	if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
	if (Array.isArray(v)) return v.length > 0;
	if (typeof v === 'object') return Object.keys(v).length > 0;
	return true;
}

function escapeHtml(s: string): string {
	return s.replace(/[&<>"'+]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders parsed nodes; `html` escapes values as html/template does in text and attributes;
 * `missing` stands for a field with no value (Go's text/template prints `<no value>`).
 */
export function renderTemplate(nodes: Node[], data: unknown, html: boolean, missing = ''): string {
	let out = '';
	for (const n of nodes) {
		if (n.kind === 'text') out += n.text;
		else if (n.kind === 'value') {
			const v = lookup(data, n.path);
			const s = v === undefined || v === null ? missing : String(v);
			out += html ? escapeHtml(s) : s;
		} else {
			const v = evaluate(data, n.cond);
			if (truthy(v)) out += renderTemplate(n.then, n.kind === 'with' ? v : data, html, missing);
			else out += renderTemplate(n.else, data, html, missing);
		}
	}
	return out;
}
