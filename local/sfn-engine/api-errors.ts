/** An error the Step Functions API answers with: `{"__type": type, "message": …}` and an HTTP status. */
export class SfnApiError extends Error {
  override name = 'SfnApiError';

  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}
