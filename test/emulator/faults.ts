/**
 * Fault injection. Tests queue faults with `emulator.inject(fault)`; each applies to the next
 * `times` requests that match its filter (route, method, cluster), first queued first served:
 * a canned answer (any status, headers and raw body: the cloud's four error shapes, HTML pages,
 * truncated JSON…), a delay, a hang, a connection reset, a truncated transfer, or a corrupted
 * kubeconfig in an otherwise successful clustercert answer.
 */
import type { RouteName } from "./call-log";
import type { KubeconfigJson } from "./kubeconfig";

/** Which requests a fault applies to, and to how many (default 1; Infinity = until cleared). */
export interface FaultMatch {
    route?: RouteName | RouteName[];
    method?: string;
    clusterId?: string;
    times?: number;
}

export type KubeconfigMutation =
    /** `users: []` */
    | "no-users"
    /** `clusters: []` */
    | "no-clusters"
    /** `contexts: []` */
    | "no-contexts"
    /** client-certificate-data and client-key-data that are not base64 */
    | "bad-base64"
    /** a client key that does not belong to the client certificate */
    | "mismatched-key"
    /** a client certificate that expired yesterday (signed by the right CA) */
    | "expired-cert"
    /** certificate-authority-data of a CA that did not sign the serving certificate */
    | "wrong-ca"
    /** any change: the function may edit the object in place or return a replacement (a string is sent as is); `helpers` mint certificates and keys */
    | ((kubeconfig: KubeconfigJson, helpers: MutationHelpers) => unknown);

export type FaultAction =
    | {
          kind: "respond";
          status: number;
          headers?: Record<string, string>;
          body?: string | Buffer;
          /** More headers computed when the answer is sent, from the emulator's clock (e.g. a Retry-After date). */
          headersAt?: (now: Date) => Record<string, string>;
      }
    /** Waits until `until` settles (or the emulator stops), then handles the request normally; `onArrive` runs when the request is held. */
    | { kind: "hold"; until: Promise<unknown>; onArrive?: () => void }
    | { kind: "delay"; ms: number }
    | { kind: "hang" }
    | { kind: "reset" }
    /** Sends `status` with the full body's Content-Length, writes only `bytes` bytes, then destroys the socket. */
    | { kind: "truncate"; status?: number; body: string; bytes: number }
    | { kind: "kubeconfig"; mutation: KubeconfigMutation }
    /** Answers `status` with a CCE error whose message is the request as received (method, path, headers, body), encoded as asked: a server echoing secrets. */
    | { kind: "echo"; status: number; encoding: EchoEncoding }
    /**
     * Sends `status` and `headers`, then body bytes in `chunkBytes` pieces until the client closes
     * the connection or `limitBytes` were sent; `sent.bytes` counts what was written.
     */
    | { kind: "flood"; status: number; headers: Record<string, string>; chunkBytes: number; limitBytes: number; sent: { bytes: number } };

/** How an "echo" fault writes the request into its error message. */
export type EchoEncoding = "raw" | "base64" | "url" | "json";

export type Fault = FaultMatch & FaultAction;

/** A queued fault; `hits` counts the requests it has shaped. */
export interface InjectedFault {
    readonly fault: Fault;
    readonly hits: number;
    readonly remaining: number;
}

interface Entry {
    fault: Fault;
    hits: number;
    remaining: number;
}

export interface FaultTarget {
    route: RouteName;
    method: string;
    clusterId?: string;
}

/** "answer" faults change a successful clustercert answer; all others replace or precede the handling. */
export function phaseOf(fault: Fault): "request" | "answer" {
    return fault.kind === "kubeconfig" ? "answer" : "request";
}

function matches(f: Fault, t: FaultTarget): boolean {
    if (f.route !== undefined) {
        const routes = Array.isArray(f.route) ? f.route : [f.route];
        if (!routes.includes(t.route)) return false;
    } else if (f.kind === "kubeconfig" && t.route !== "clustercert") {
        return false;
    }
    if (f.method !== undefined && f.method.toUpperCase() !== t.method) return false;
    if (f.clusterId !== undefined && f.clusterId !== t.clusterId) return false;
    return true;
}

export class FaultQueue {
    private readonly queue: Entry[] = [];

    inject(fault: Fault): InjectedFault {
        const times = fault.times ?? 1;
        if (!(times >= 1)) throw new RangeError("fault.times must be at least 1");
        const entry: Entry = { fault, hits: 0, remaining: times };
        this.queue.push(entry);
        return {
            fault,
            get hits() {
                return entry.hits;
            },
            get remaining() {
                return entry.remaining;
            },
        };
    }

    /** Takes the first queued fault of `phase` matching `target`, if any (counting one use of it). */
    take(target: FaultTarget, phase: "request" | "answer"): Fault | undefined {
        const i = this.queue.findIndex((e) => phaseOf(e.fault) === phase && matches(e.fault, target));
        if (i < 0) return undefined;
        const e = this.queue[i] as Entry;
        e.hits++;
        e.remaining--;
        if (e.remaining <= 0) this.queue.splice(i, 1);
        return e.fault;
    }

    /** Faults still waiting, in queue order. */
    pending(): Fault[] {
        return this.queue.map((e) => e.fault);
    }

    clear(): void {
        this.queue.length = 0;
    }
}

/** A short description of a fault for the call log. */
export function describeFault(f: Fault): string {
    switch (f.kind) {
        case "respond":
            return `respond ${f.status}`;
        case "delay":
            return `delay ${f.ms} ms`;
        case "truncate":
            return `truncate at ${f.bytes} bytes`;
        case "hold":
            return "hold";
        case "kubeconfig":
            return `kubeconfig ${typeof f.mutation === "function" ? "custom" : f.mutation}`;
        case "echo":
            return `echo ${f.status} ${f.encoding}`;
        case "flood":
            return `flood ${f.status}`;
        default:
            return f.kind;
    }
}

const JSON_TYPE = { "Content-Type": "application/json;charset=UTF-8" };

/** In the body of a "respond" fault, this text is replaced by the request's X-Request-Id. */
export const REQUEST_ID = "{{request_id}}";

/** Ready-made faults. Every builder takes an optional filter (route, method, clusterId, times). */
export const faults = {
    /** Any answer; `body` is sent as is (but "{{request_id}}" becomes the request id). */
    respond(status: number, body: string | Buffer = "", headers: Record<string, string> = {}, match: FaultMatch = {}): Fault {
        return { ...match, kind: "respond", status, headers, body };
    },
    /** `{"errorCode":…,"errorMessage":…}` (CCE). */
    cceError(status: number, code: string, message: string, match: FaultMatch = {}): Fault {
        return faults.respond(status, JSON.stringify({ errorCode: code, errorMessage: message }), JSON_TYPE, match);
    },
    /** `{"error_code":…,"error_msg":…,"request_id":…}` (API gateway). */
    gatewayError(status: number, code: string, message: string, match: FaultMatch = {}, headers: Record<string, string> = {}): Fault {
        return faults.respond(status, JSON.stringify({ error_code: code, error_msg: message, request_id: REQUEST_ID }), { ...JSON_TYPE, ...headers }, match);
    },
    /** `{"code":…,"message":…}` (some services). */
    codeMessage(status: number, code: string, message: string, match: FaultMatch = {}): Fault {
        return faults.respond(status, JSON.stringify({ code, message }), JSON_TYPE, match);
    },
    /** `{"error":{"code":…,"message":…}}` (IAM style). */
    nestedError(status: number, code: string | number, message: string, match: FaultMatch = {}): Fault {
        return faults.respond(status, JSON.stringify({ error: { code, message } }), JSON_TYPE, match);
    },
    /**
     * 429 APIGW.0308, optionally with a Retry-After header: seconds, a fixed text, or
     * `{ httpDateInMs }` for an HTTP date that many milliseconds after the moment the emulator
     * answers (rounded up to the whole second, the resolution of HTTP dates; emulator clock).
     */
    throttled(match: FaultMatch & { retryAfter?: number | string | { httpDateInMs: number } } = {}): Fault {
        const { retryAfter, ...m } = match;
        const message = "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 minute";
        if (typeof retryAfter !== "object") {
            return faults.gatewayError(429, "APIGW.0308", message, m, retryAfter !== undefined ? { "Retry-After": String(retryAfter) } : {});
        }
        const inMs = retryAfter.httpDateInMs;
        return {
            ...m,
            kind: "respond",
            status: 429,
            headers: JSON_TYPE,
            body: JSON.stringify({ error_code: "APIGW.0308", error_msg: message, request_id: REQUEST_ID }),
            headersAt: (now: Date) => ({ "Retry-After": new Date(Math.ceil((now.getTime() + inMs) / 1000) * 1000).toUTCString() }),
        };
    },
    /** An HTML error page, as load balancers send. */
    html(status: number, title = `${status} Bad Gateway`, match: FaultMatch = {}): Fault {
        const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        return faults.respond(status, body, { "Content-Type": "text/html" }, match);
    },
    /** A complete HTTP answer whose JSON body stops half way. */
    truncatedJson(status = 200, match: FaultMatch = {}): Fault {
        return faults.respond(status, '{"kind":"Config","apiVersion":"v1","preferences":{},"clusters":[{"name":"internalCluster","cluster":{"server":"https://', JSON_TYPE, match);
    },
    /** Headers promise `body`, the connection dies after `bytes` bytes of it. */
    truncatedTransfer(body: string, bytes: number, status = 200, match: FaultMatch = {}): Fault {
        return { ...match, kind: "truncate", status, body, bytes };
    },
    delay(ms: number, match: FaultMatch = {}): Fault {
        return { ...match, kind: "delay", ms };
    },
    /**
     * Holds matching requests until `until` settles, then handles them normally: a test can keep a
     * client waiting for its answer exactly as long as it needs (e.g. while it starts other clients).
     * `onArrive` runs when a request is held.
     */
    holdUntil(until: Promise<unknown>, match: FaultMatch = {}, onArrive?: () => void): Fault {
        return { ...match, kind: "hold", until, ...(onArrive ? { onArrive } : {}) };
    },
    /** Never answers (the socket stays open until the client gives up or the emulator stops). */
    hang(match: FaultMatch = {}): Fault {
        return { ...match, kind: "hang" };
    },
    /** Destroys the connection without an answer. */
    reset(match: FaultMatch = {}): Fault {
        return { ...match, kind: "reset" };
    },
    /** A CCE error answer whose message holds the request as received (headers and body), in `encoding`. */
    echo(status = 400, encoding: EchoEncoding = "raw", match: FaultMatch = {}): Fault {
        return { ...match, kind: "echo", status, encoding };
    },
    /**
     * An answer whose body does not end (or is `limitBytes` long): `chunk` repeated. Keep the fault
     * object to read `sent.bytes` afterwards.
     */
    flood(status: number, headers: Record<string, string>, options: { chunkBytes?: number; limitBytes?: number; chunk?: string } = {}, match: FaultMatch = {}): Fault & { kind: "flood" } {
        return { ...match, kind: "flood", status, headers, chunkBytes: options.chunkBytes ?? 64 * 1024, limitBytes: options.limitBytes ?? 2 ** 31, sent: { bytes: 0 } };
    },
    /** A 200 clustercert answer with a corrupted kubeconfig. */
    kubeconfig(mutation: KubeconfigMutation, match: FaultMatch = {}): Fault {
        return { ...match, kind: "kubeconfig", mutation };
    },
};

/** What a kubeconfig mutation may need from the emulator. */
export interface MutationHelpers {
    /** A certificate for the same user and cluster CA that expired yesterday. */
    expiredCert(): Promise<{ certPem: string; keyPem: string }>;
    /** A certificate for the same user, signed by the cluster CA, with the given validity. */
    certValid(notBefore: Date, notAfter: Date): Promise<{ certPem: string; keyPem: string }>;
    /** A private key of the same type that belongs to no certificate. */
    otherKeyPem(): Promise<string>;
    /** The PEM of a CA unrelated to the cluster. */
    otherCaPem(): Promise<string>;
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** Applies a kubeconfig fault; returns the body to send. */
export async function applyKubeconfigMutation(kc: KubeconfigJson, mutation: KubeconfigMutation, helpers: MutationHelpers): Promise<string> {
    if (typeof mutation === "function") {
        const out = await mutation(kc, helpers);
        if (typeof out === "string") return out;
        return JSON.stringify(out === undefined ? kc : out);
    }
    switch (mutation) {
        case "no-users":
            kc.users = [];
            break;
        case "no-clusters":
            kc.clusters = [];
            break;
        case "no-contexts":
            kc.contexts = [];
            break;
        case "bad-base64":
            for (const u of kc.users) {
                u.user["client-certificate-data"] = "not base64 at all!*";
                u.user["client-key-data"] = "%%%%";
            }
            break;
        case "mismatched-key": {
            const key = await helpers.otherKeyPem();
            for (const u of kc.users) u.user["client-key-data"] = b64(key);
            break;
        }
        case "expired-cert": {
            const cert = await helpers.expiredCert();
            for (const u of kc.users) {
                u.user["client-certificate-data"] = b64(cert.certPem);
                u.user["client-key-data"] = b64(cert.keyPem);
            }
            break;
        }
        case "wrong-ca": {
            const ca = await helpers.otherCaPem();
            for (const c of kc.clusters) if (c.cluster["certificate-authority-data"] !== undefined) c.cluster["certificate-authority-data"] = b64(ca);
            break;
        }
    }
    return JSON.stringify(kc);
}
