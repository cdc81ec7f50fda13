// Deterministic buckets: the same customer and salt always give the same number (sticky A/B splits).

/** A number in [0, 1) from FNV-1a over `profileId:salt`. */
export function stableBucket(profileId: string, salt: string): number {
  let hash = 0x811c9dc5;
  const text = `${profileId}:${salt}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // One extra avalanche round so nearby ids spread evenly.
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash = (hash ^ (hash >>> 13)) >>> 0;
  return hash / 0x1_0000_0000;
}
