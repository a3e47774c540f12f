/**
 * The error a synchronous action throws, so a test can check its code and message together; an action that
 * does not throw fails the test.
 */
export const errorOf = (action: () => unknown): { code?: string; message: string } => {
  try {
    action();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
};
