/** HTTP status for an API error code: the client shows `message` either way; the status serves tools and logs. */
export function statusForCode(code: string): number {
  switch (code) {
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
      return 404;
    case 'WRONG_KEY':
    case 'INTEGRITY':
    case 'MODEL_MISMATCH':
    case 'CANCELLED':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
    case 'TOO_LARGE':
      return 413;
    case 'PERMISSION_DENIED':
      return 403;
    case 'DISK_FULL':
      return 507;
    case 'TOO_MANY_FILES':
    case 'BUSY':
      return 503;
    case 'INTERNAL':
    case 'DEPENDENCY_MISSING':
      return 500;
    // A PACS behind the back end failed (unreachable, refused the credentials, answered wrongly): a gateway error.
    // Never 401 for REMOTE_AUTH: the page reads 401 as its own session token being refused.
    case 'REMOTE_UNREACHABLE':
    case 'REMOTE_AUTH':
    case 'REMOTE_ERROR':
      return 502;
    default:
      return 400;
  }
}
