// The JSON API of `descent serve` (docs/api.md), as the page calls it.

/** An answer other than 200: the server's message, the request field it names, the status. */
export class ApiError extends Error {
  constructor(message, field, status) {
    super(message);
    this.field = field;
    this.status = status;
  }
}

/** GET /api/PATH, or a POST of `body` as JSON when given; resolves to the answer's JSON. */
export async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
  let res;
  try {
    res = await fetch(`/api/${path}`, init);
  } catch (e) {
    throw new ApiError(`the server did not answer (${e.message}); is descent serve running?`, null, 0);
  }
  const answer = await res.json();
  if (!res.ok) throw new ApiError(answer.error, answer.field, res.status);
  return answer;
}
