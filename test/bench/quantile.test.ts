import { quantile } from '../../bench/quantile';

// Expected values worked out by hand: sort, take index floor(q × n), clamp to the last index.
describe('quantile', () => {
  // Sorted: [10, 20, 30, 40]; n = 4.
  const four = [30, 10, 40, 20];

  it('takes the value at index floor(q × n) of the sorted values', () => {
    expect(quantile(four, 0)).toBe(10); // floor(0) = 0
    expect(quantile(four, 0.25)).toBe(20); // floor(1) = 1
    expect(quantile(four, 0.5)).toBe(30); // floor(2) = 2
    expect(quantile(four, 0.74)).toBe(30); // floor(2.96) = 2
    expect(quantile(four, 0.9)).toBe(40); // floor(3.6) = 3
  });

  it('clamps q = 1 to the largest value', () => {
    expect(quantile(four, 1)).toBe(40); // floor(4) = 4, clamped to 3
  });

  it('sorts numerically, not as text', () => {
    // Sorted: [2, 9, 10, 100]; as text it would be [10, 100, 2, 9].
    expect(quantile([100, 9, 2, 10], 0.5)).toBe(10); // floor(2) = 2
  });

  it('gives p50, p90 and p99 of ten values', () => {
    // Sorted: [1, 2, ..., 10]; n = 10.
    const ten = [7, 3, 10, 1, 8, 5, 2, 9, 6, 4];
    expect(quantile(ten, 0.5)).toBe(6); // floor(5) = 5
    expect(quantile(ten, 0.9)).toBe(10); // floor(9) = 9
    expect(quantile(ten, 0.99)).toBe(10); // floor(9.9) = 9
  });

  it('is the one value of a single-value list, whatever q', () => {
    expect(quantile([42], 0)).toBe(42);
    expect(quantile([42], 0.99)).toBe(42);
  });

  it('is NaN when there are no values', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('leaves its input in the order it was given', () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});
