import type { z } from 'zod';
import { Problem, type FieldProblem } from '../problem';

export type RequestPart = 'body' | 'query' | 'params' | 'header';

/** zod's issues as the problem document's `errors`: the field as the caller sent it, and why. */
export function fieldProblems(part: RequestPart, issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [part, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: `${base}.${key}`, reason: 'unknown field' });
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({ field: base, reason: 'required' });
    } else {
      out.push({ field: base, reason: issue.message });
    }
  }
  return out;
}

/** Parses one part of a request, or throws the 422 problem that names every bad field at once. */
export function parseOrProblem<T>(schema: z.ZodType<T>, part: RequestPart, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Problem(
    422,
    'Unprocessable Content',
    `the request ${part} is not valid`,
    fieldProblems(part, result.error.issues),
    'https://jimeng-flow.dev/problems/validation',
  );
}
