import { describe, expect, it } from 'vitest';
import { computeHealthScore, healthScoreConfigSchema } from '../../shared/health-score';

const config = healthScoreConfigSchema.parse({});
const now = new Date('2026-11-25T12:00:00Z');

describe('health score', () => {
  it('an active, frequent, valuable customer scores 100; a silent one near 0', () => {
    expect(
      computeHealthScore(config, { lastSeenAt: now, eventCount: 50, spend: 5000, traits: {}, now }),
    ).toBe(100);
    expect(
      computeHealthScore(config, {
        lastSeenAt: new Date('2025-01-01'),
        eventCount: 0,
        spend: 0,
        traits: {},
        now,
      }),
    ).toBe(0);
  });

  it('recency decays over the configured days', () => {
    const halfway = new Date(now.getTime() - 45 * 86_400_000);
    expect(
      computeHealthScore(
        { ...config, weights: { recency: 1, frequency: 0, monetary: 0, trait: 0 } },
        { lastSeenAt: halfway, eventCount: 0, spend: 0, traits: {}, now },
      ),
    ).toBe(50);
  });

  it('a trait such as open support tickets can count against the score', () => {
    const tickets = {
      ...config,
      weights: { recency: 0, frequency: 0, monetary: 0, trait: 1 },
      trait: { name: 'openTickets', min: 0, max: 5, invert: true },
    };
    expect(
      computeHealthScore(tickets, {
        lastSeenAt: now,
        eventCount: 0,
        spend: 0,
        traits: { openTickets: 4 },
        now,
      }),
    ).toBe(20);
    expect(
      computeHealthScore(tickets, {
        lastSeenAt: now,
        eventCount: 0,
        spend: 0,
        traits: { openTickets: 'many' },
        now,
      }),
    ).toBe(0);
  });

  it('all-zero weights are refused with the field named', () => {
    const result = healthScoreConfigSchema.safeParse({
      weights: { recency: 0, frequency: 0, monetary: 0, trait: 0 },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['weights']);
  });
});

describe('two-proportion test', async () => {
  const { twoProportionTest } = await import('../../shared/significance');
  it('a large difference on many customers is significant, a small one on few is not', () => {
    const big = twoProportionTest(100, 1000, 150, 1000);
    expect(big.significant).toBe(true);
    expect(big.difference).toBeCloseTo(0.05);
    expect(big.pValue).toBeCloseTo(0.0011, 3);
    expect(twoProportionTest(5, 50, 7, 50).significant).toBe(false);
    expect(twoProportionTest(0, 0, 3, 10)).toMatchObject({ significant: false, pValue: 1 });
  });
});

describe('webhook target check', async () => {
  const { isPrivateAddress } = await import('../../server/channels/network-guard');
  it('refuses private, loopback, link-local and metadata addresses, also in IPv6 and mapped forms', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      // forms an outside review found classed as public: IPv4-compatible, SIIT, 6to4, Teredo, site-local, discard, 6to4 relay, NAT64
      '::7f00:1',
      '::127.0.0.1',
      '::ffff:0:7f00:1',
      '2002:7f00:1::1',
      '2001::1',
      'fec0::1',
      '100::1',
      '192.88.99.1',
      '64:ff9b::7f00:1',
      '2001:db8::1',
      'ff02::1',
    ]) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
    }
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '2a00:1450:4001:82b::200e',
    ]) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: false });
    }
  });
});
