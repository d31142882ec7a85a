import { describe, expect, it } from 'vitest';
import {
	currencyDigits,
	currencyOptions,
	isCurrency,
	MAX_MINOR,
	parseAmount,
	toDecimalAmount
} from './money';

describe('money in minor units', () => {
	it('takes the minor unit digits from Intl (ISO 4217), not a hand table', () => {
		expect(currencyDigits('USD')).toBe(2);
		expect(currencyDigits('EUR')).toBe(2);
		expect(currencyDigits('JPY')).toBe(0);
		expect(currencyDigits('KWD')).toBe(3);
		expect(isCurrency('EUR')).toBe(true);
		expect(isCurrency('ABC')).toBe(false);
		expect(currencyOptions().find((o) => o.value === 'KWD')?.label).toBe('KWD · Kuwaiti Dinar');
	});

	it('reads "12.5" USD as 1250 and refuses "12.555" with the currency’s digits named', () => {
		expect(parseAmount('12.5', 'USD')).toEqual({ ok: true, minor: 1250 });
		expect(parseAmount(' 49 ', 'USD')).toEqual({ ok: true, minor: 4900 });
		expect(parseAmount('0.07', 'USD')).toEqual({ ok: true, minor: 7 });
		expect(parseAmount('12.50', 'USD')).toEqual({ ok: true, minor: 1250 });
		const refused = parseAmount('12.555', 'USD');
		expect(refused).toEqual({
			ok: false,
			message: 'USD has 2 decimal places: 12.555 has more. Enter e.g. 49.00.'
		});
	});

	it('handles currencies with no and with three minor digits', () => {
		expect(parseAmount('4900', 'JPY')).toEqual({ ok: true, minor: 4900 });
		expect(parseAmount('49.00', 'JPY')).toEqual({ ok: true, minor: 49 });
		expect(parseAmount('49.5', 'JPY')).toEqual({
			ok: false,
			message: 'JPY has no minor unit: enter a whole amount, e.g. 4900.'
		});
		expect(parseAmount('1.25', 'KWD')).toEqual({ ok: true, minor: 1250 });
		expect(parseAmount('1.2345', 'KWD').ok).toBe(false);
	});

	it('refuses negative, malformed and too large amounts with a sentence', () => {
		expect(parseAmount('-1', 'USD')).toEqual({ ok: false, message: 'A price cannot be negative.' });
		expect(parseAmount('', 'USD')).toEqual({ ok: false, message: 'Enter a price, e.g. 49.00.' });
		for (const bad of ['1,5', '1e3', '$4', '4.5.6', 'abc'])
			expect(parseAmount(bad, 'USD').ok, bad).toBe(false);
		expect(parseAmount('21474836.47', 'USD')).toEqual({ ok: true, minor: MAX_MINOR });
		expect(parseAmount('21474836.48', 'USD')).toEqual({
			ok: false,
			message: 'Enter at most 21474836.47 USD.'
		});
	});

	it('writes minor units back as the decimal amount people type', () => {
		expect(toDecimalAmount(1250, 'USD')).toBe('12.50');
		expect(toDecimalAmount(7, 'USD')).toBe('0.07');
		expect(toDecimalAmount(4900, 'JPY')).toBe('4900');
		expect(toDecimalAmount(1250, 'KWD')).toBe('1.250');
		for (const [minor, currency] of [
			[123456, 'USD'],
			[5, 'KWD'],
			[0, 'EUR']
		] as const)
			expect(parseAmount(toDecimalAmount(minor, currency), currency)).toEqual({ ok: true, minor });
	});
});
