import { describe, expect, it } from 'vitest';
import { contrastRatio, isHexColor, luminance, textColorOn } from './color';

describe('branding colours', () => {
	it('accepts only #rrggbb', () => {
		expect(isHexColor('#0f766e')).toBe(true);
		expect(isHexColor('#0F766E')).toBe(true);
		for (const bad of ['0f766e', '#fff', '#0f766g', 'red', '#0f766e; x'])
			expect(isHexColor(bad)).toBe(false);
		expect(() => luminance('red')).toThrow(/#rrggbb/);
	});

	it('computes WCAG contrast (black on white is 21:1)', () => {
		expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
		expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 5);
	});

	it('picks white text on dark colours and black on light ones', () => {
		expect(textColorOn('#0f766e')).toBe('#ffffff');
		expect(textColorOn('#1e3a8a')).toBe('#ffffff');
		expect(textColorOn('#fde047')).toBe('#000000');
		expect(textColorOn('#ffffff')).toBe('#000000');
	});

	it('the chosen text colour always reaches WCAG AA (4.5:1) on any theme colour', () => {
		for (const bg of [
			'#0f766e',
			'#767676',
			'#808080',
			'#ff0000',
			'#00ff00',
			'#2563eb',
			'#fde047'
		]) {
			expect(contrastRatio(bg, textColorOn(bg))).toBeGreaterThanOrEqual(4.5);
		}
	});
});
