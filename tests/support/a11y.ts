/**
 * Automated accessibility check: runs axe-core inside a Playwright page (the script is injected
 * from node_modules, no network) and returns the serious and critical violations, each with the
 * elements it found, so a failing assertion says what to fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from '../../supabase/local/config.ts';

const AXE_PATH = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

export interface A11yViolation {
	id: string;
	impact: string;
	help: string;
	nodes: string[];
}

interface AxeResult {
	violations: {
		id: string;
		impact?: string | null;
		help: string;
		nodes: { target: unknown[]; failureSummary?: string }[];
	}[];
}

/** Serious and critical axe violations of the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<A11yViolation[]> {
	const loaded = await page.evaluate(() => 'axe' in window);
	// Evaluated through the DevTools protocol: the page's CSP forbids injected <script> tags.
	if (!loaded) await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
	const result = (await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
			.axe;
		return axe.run(document, {
			runOnly: {
				type: 'tag',
				values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']
			},
			resultTypes: ['violations']
		});
	})) as AxeResult;
	return result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({
			id: v.id,
			impact: v.impact ?? '',
			help: v.help,
			nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.trim())
		}));
}

/** Fails naming the page (`what`) and listing each serious or critical violation axe finds. */
export async function expectAccessible(page: Page, what: string) {
	const violations = await seriousViolations(page);
	expect(violations, `${what}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}
