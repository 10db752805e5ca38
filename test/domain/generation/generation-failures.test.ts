import {
  GENERATION_FAILURES,
  NON_RETRYABLE_FAILURES,
  failureCodeOf,
  fieldDetailsOf,
  isGenerationFailureType,
  jimengErrorDetailsOf,
  jimengFailureDetailsOf,
} from '../../../domain/generation/generation-failures';

/*
 * The one failure vocabulary of a generation: the record codes the callers and operators rely on (README, the
 * task view's error.code), the HTTP answers of a refused admission, and the decoding of failure details, which
 * come from Temporal as unknown data.
 */
describe('the generation failure vocabulary', () => {
  it.each([
    ['InvalidGenerationRequest', 'INVALID_REQUEST', 422],
    ['InsufficientPoints', 'INSUFFICIENT_POINTS', 402],
    ['StoryboardBusy', 'STORYBOARD_BUSY', 409],
    ['NoAccountAvailable', 'NO_ACCOUNT', undefined],
    ['UnknownAccount', 'UNKNOWN_ACCOUNT', undefined],
    ['CallbackRejected', 'CALLBACK_REJECTED', undefined],
    ['AccountWithdrawn', 'ACCOUNT_WITHDRAWN', undefined],
    ['Cancelled', 'CANCELLED', undefined],
  ] as const)('%s leaves code %s and answers an admission with %s', (type, code, status) => {
    expect(failureCodeOf(type)).toBe(code);
    expect((GENERATION_FAILURES[type] as { httpStatus?: number }).httpStatus).toBe(status);
  });

  it('names anything outside the vocabulary INTERNAL', () => {
    expect(failureCodeOf('SomethingElse')).toBe('INTERNAL');
    expect(failureCodeOf(undefined)).toBe('INTERNAL');
    expect(isGenerationFailureType('toString')).toBe(false);
  });

  it('lists every type as non-retryable for the retry policies: each is the answer, not a hiccup', () => {
    expect([...NON_RETRYABLE_FAILURES].sort()).toEqual(Object.keys(GENERATION_FAILURES).sort());
  });
});

describe('decoding failure details', () => {
  it('reads the field of a refused request, and nothing from anything else', () => {
    expect(fieldDetailsOf([{ field: 'request.prompt' }])).toEqual({ field: 'request.prompt' });
    expect(fieldDetailsOf([{ field: 7 }])).toEqual({});
    expect(fieldDetailsOf(null)).toEqual({});
  });

  it("reads a JimengFailure's upstream code and the plan's reason", () => {
    expect(jimengFailureDetailsOf([{ code: '-2006', reason: 'permanent' }])).toEqual({
      code: '-2006',
      reason: 'permanent',
    });
    expect(jimengFailureDetailsOf([{ code: -2006 }])).toBeUndefined();
  });

  it('reads a JimengError only with an action the reader knows', () => {
    const json = {
      code: 'HTTP_429',
      action: 'cool_down_account',
      message: 'm',
      retryAfterMs: 3000,
      extra: 1,
    };
    expect(jimengErrorDetailsOf([json], ['cool_down_account'] as const)).toEqual({
      code: 'HTTP_429',
      action: 'cool_down_account',
      message: 'm',
      retryAfterMs: 3000,
    });
    expect(jimengErrorDetailsOf([json], ['retry_same_account'] as const)).toBeUndefined();
    expect(
      jimengErrorDetailsOf([{ action: 'cool_down_account' }], ['cool_down_account'] as const),
    ).toBeUndefined();
  });
});
