/**
 * Differential fuzzing in CI, second half: seeds 50001..100000 (see
 * differential.test.ts; a file of its own so that it runs on another worker).
 */
import { describe, expect, it } from 'vitest';
import { campaignInChunks, CAMPAIGN_TIMEOUT_MS } from './differential.ts';

describe('differential fuzzing: interpreter vs translator (threshold 0), continued', () => {
  it('50,000 sequences from seed 50001 agree', async () => {
    const r = await campaignInChunks(50_001, 50_000, 5);
    expect(r.failures.map((f) => f.text).join('\n\n')).toBe('');
    expect(r.failed).toBe(0);
    expect(r.stops.get('end')).toBeGreaterThan(40_000);
    console.log(`fuzz: ${r.cases} sequences, ${r.instructions} instructions, ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.cases / (r.ms / 1000))}/s)`);
  }, CAMPAIGN_TIMEOUT_MS);
});
