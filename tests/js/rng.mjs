// Seeded uniform random numbers for the JS tests (xorshift32), so a failure can be reproduced.
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return (lo = 0, hi = 1) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s / 2 ** 32) * (hi - lo);
  };
}
