// The split-based-on condition types the engine evaluates: each a test of the rendered subject against the value.

type Test = (subject: string, value: string) => boolean;

/** A number only when the whole text is one (Studio compares "3" and "10" as numbers, not as text). */
function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Non-numbers never compare: a missing counter must not pass a "fewer than" test by accident. */
function compare(subject: string, value: string, test: (a: number, b: number) => boolean): boolean {
  const a = numberOf(subject);
  const b = numberOf(value);
  return a !== undefined && b !== undefined && test(a, b);
}

/** "Matches any of" takes a comma-separated list. */
function anyOf(subject: string, value: string): boolean {
  return value.split(',').some((option) => option.trim() === subject);
}

// Comparisons are exact (case and spacing count): the safe reading for a flow that routes on a security answer.
export const CONDITION_TESTS = {
  equal_to: (subject, value) => subject === value,
  not_equal_to: (subject, value) => subject !== value,
  matches_any_of: anyOf,
  does_not_match_any_of: (subject, value) => !anyOf(subject, value),
  contains: (subject, value) => subject.includes(value),
  does_not_contain: (subject, value) => !subject.includes(value),
  starts_with: (subject, value) => subject.startsWith(value),
  does_not_start_with: (subject, value) => !subject.startsWith(value),
  is_blank: (subject) => subject.trim() === '',
  is_not_blank: (subject) => subject.trim() !== '',
  less_than: (subject, value) => compare(subject, value, (a, b) => a < b),
  greater_than: (subject, value) => compare(subject, value, (a, b) => a > b),
} as const satisfies Record<string, Test>;

export type ConditionType = keyof typeof CONDITION_TESTS;

export function isConditionType(type: string): type is ConditionType {
  return Object.hasOwn(CONDITION_TESTS, type);
}
