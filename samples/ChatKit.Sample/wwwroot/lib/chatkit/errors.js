// Generated from clients/typescript by `npm run vendor`: do not edit.
/**
 * A failed hub call or REST request. `code` is ChatKit's stable code (`not_found`, `rate_limited`, …) when the server
 * gave one; `message` is the human sentence. A failure with no code is the connection's (closed, unreachable).
 */
export class ChatKitError extends Error {
    code;
    status;
    problem;
    constructor(message, code, status, problem) {
        super(message);
        this.name = "ChatKitError";
        this.code = code;
        this.status = status;
        this.problem = problem;
    }
    /** True when a retry later may succeed (the connection or the store was unavailable); a refusal is not. */
    get transient() {
        return this.code === undefined || this.code === "unavailable";
    }
    /** From a SignalR invocation error: "… HubException: code: sentence" or "code: sentence". */
    static fromHub(error) {
        if (error instanceof ChatKitError) {
            return error;
        }
        const text = String(error?.message ?? error);
        const tail = text.includes("HubException: ") ? text.slice(text.lastIndexOf("HubException: ") + 14) : text;
        const match = /^([a-z_]+): ([\s\S]*)$/.exec(tail);
        return match ? new ChatKitError(match[2], match[1]) : new ChatKitError(tail);
    }
    /** From a REST response that is not 2xx (a ProblemDetails body, or none). */
    static async fromResponse(response) {
        let problem;
        try {
            problem = (await response.json());
        }
        catch {
            problem = undefined;
        }
        const code = problem?.code ?? (response.status === 401 ? "unauthenticated" : response.status >= 500 ? "unavailable" : undefined);
        return new ChatKitError(problem?.detail ?? problem?.title ?? `HTTP ${response.status}`, code, response.status, problem);
    }
}
