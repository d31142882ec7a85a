/**
 * A benchmark script's command-line options, parsed the same way for every script: each option's
 * default gives its type (a number, a string, a flag; null: a string without default); a number
 * below its minimum is raised to it, one that is not a number is refused; `--help` lists them.
 */
import { parseArgs } from 'node:util';

type Default = number | string | boolean | null;
type Parsed<T extends Record<string, Default>> = {
	[K in keyof T]: T[K] extends number
		? number
		: T[K] extends boolean
			? boolean
			: T[K] extends string
				? string
				: string | undefined;
};

export function benchOptions<T extends Record<string, Default>>(
	defaults: T,
	minimum: Partial<Record<keyof T, number>> = {}
): Parsed<T> {
	const entries = Object.entries(defaults) as [keyof T & string, Default][];
	const { values } = parseArgs({
		options: {
			help: { type: 'boolean', default: false },
			...Object.fromEntries(
				entries.map(([name, d]) => [
					name,
					typeof d === 'boolean'
						? { type: 'boolean' as const, default: d }
						: { type: 'string' as const, ...(d === null ? {} : { default: String(d) }) }
				])
			)
		}
	});
	if (values.help) {
		const lines = entries.map(([name, d]) => {
			const at = minimum[name] === undefined ? '' : ` (at least ${minimum[name]})`;
			return `  --${name}${typeof d === 'boolean' ? '' : ` ${d ?? '(none)'}${at}`}`;
		});
		console.log(`options (defaults shown):\n${lines.join('\n')}`);
		process.exit(0);
	}
	const out: Record<string, unknown> = {};
	for (const [name, d] of entries) {
		const v = (values as Record<string, string | boolean | undefined>)[name];
		if (typeof d !== 'number') {
			out[name] = v;
			continue;
		}
		const n = Number(v);
		if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not "${v}"`);
		out[name] = Math.max(minimum[name] ?? -Infinity, n);
	}
	return out as Parsed<T>;
}
