// The error a promise rejects with, when it is of the expected class; anything else (or no rejection) fails the test.
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, expected: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof expected) return error;
    throw error;
  }
  throw new Error(`expected a ${expected.name}`);
}
