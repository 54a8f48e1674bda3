import type { ErrorCode, ProblemDetails } from "./types.js";

/**
 * A failed hub call or REST request. `code` is ChatKit's stable code (`not_found`, `rate_limited`, …) when the server
 * gave one; `message` is the human sentence. A failure with no code is the connection's (closed, unreachable).
 */
export class ChatKitError extends Error {
  readonly code: ErrorCode | string | undefined;
  readonly status: number | undefined;
  readonly problem: ProblemDetails | undefined;

  constructor(message: string, code?: string, status?: number, problem?: ProblemDetails) {
    super(message);
    this.name = "ChatKitError";
    this.code = code;
    this.status = status;
    this.problem = problem;
  }

  /** True when a retry later may succeed (the connection or the store was unavailable); a refusal is not. */
  get transient(): boolean {
    return this.code === undefined || this.code === "unavailable";
  }

  /** From a SignalR invocation error: "… HubException: code: sentence" or "code: sentence". */
  static fromHub(error: unknown): ChatKitError {
    if (error instanceof ChatKitError) {
      return error;
    }
    const text = String((error as Error)?.message ?? error);
    const tail = text.includes("HubException: ") ? text.slice(text.lastIndexOf("HubException: ") + 14) : text;
    const match = /^([a-z_]+): ([\s\S]*)$/.exec(tail);
    return match ? new ChatKitError(match[2]!, match[1]) : new ChatKitError(tail);
  }

  /** From a REST response that is not 2xx (a ProblemDetails body, or none). */
  static async fromResponse(response: Response): Promise<ChatKitError> {
    let problem: ProblemDetails | undefined;
    try {
      problem = (await response.json()) as ProblemDetails;
    } catch {
      problem = undefined;
    }
    const code = problem?.code ?? (response.status === 401 ? "unauthenticated" : response.status >= 500 ? "unavailable" : undefined);
    return new ChatKitError(problem?.detail ?? problem?.title ?? `HTTP ${response.status}`, code, response.status, problem);
  }
}
