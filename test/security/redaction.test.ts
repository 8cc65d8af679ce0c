/**
 * Security, class 4 — redaction and terminal safety. A server may echo the request (headers and
 * body) in its error message, as it is or encoded; no credential, no password (also JSON-escaped),
 * no IAM token obtained on the way and no security token may reach the user in any form. And the
 * server's text (messages, codes, request ids, page titles) reaches the terminal as one bounded line
 * with its control characters escaped. Provider cases through the REAL dynamic-provider host.
 *
 * The leak detector is independent of the provider's redactor: it decodes the text every way a
 * secret could hide in it (quote and JSON escapes undone, URL-decoded, every base64 run decoded at
 * every offset) and looks for any 8-character window of the secret.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { faults, type CceEmulator } from "../emulator";
import type { Engine } from "../harness/engine";
import { baseEnv as cliBaseEnv, runCli } from "../cli/run-cli";
import { AK, CLUSTER, PROJECT, SK, assertOneSafeLine, attempt, defaultArgs, failure, startEmulator, startEngine, waitForLines, type Outcome } from "./support";

/** A password with every character that JSON, URLs, forms and base64 treat specially. */
const PASSWORD = 'Pa"ss\\w0rd &+/=%é漢字-Secret-0123';
const USER = { domain: "sec-domain", name: "sec-user", password: PASSWORD };
const PASSWORD_ENV = { HW_USER_NAME: USER.name, HW_USER_PASSWORD: PASSWORD, HW_DOMAIN_NAME: USER.domain };
const TMP = { accessKey: "SECTEMPORARYAK000001", secretKey: "SecTemporarySecretKey0123456789abcdefgh", securityToken: "SecSecurityToken-gQoJb3JpZ2luX2VjEJr//////////wEaDmFw+lc=" };
const AUTH_TOKEN = "SecAuthToken-MIIDbgYJKoZIhvcNAQcCoIIDXzCCA1sCAQExDTALBglghkgBZQMEAgEw";

/** Texts derived from `text` in which an echoed secret could still be read. */
function decodings(text: string): string[] {
    const out = new Set<string>([text]);
    const unquoted = text.replace(/\\(["\\])/g, "$1");
    out.add(unquoted);
    for (const t of [text, unquoted]) {
        try {
            out.add(JSON.parse(`"${t.replace(/"/g, '\\"')}"`) as string);
        } catch {
            // not a JSON string body
        }
        try {
            out.add(decodeURIComponent(t.replace(/\+/g, " ")));
        } catch {
            for (const run of t.match(/(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+-])+/g) ?? []) {
                try {
                    out.add(decodeURIComponent(run.replace(/\+/g, " ")));
                } catch {
                    // a broken escape
                }
            }
        }
        for (const run of t.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
            for (let skip = 0; skip < 4; skip++) {
                const piece = run.slice(skip).replace(/=+$/, "");
                out.add(Buffer.from(piece.slice(0, piece.length - (piece.length % 4)), "base64").toString("latin1"));
                out.add(Buffer.from(piece.slice(0, piece.length - (piece.length % 4)), "base64").toString("utf8"));
            }
        }
    }
    return [...out];
}

/** Fails when any 8-character window of `secret` (or of its JSON-escaped or UTF-8-as-latin1 form) can be read from `text`. */
function assertNotLeaked(text: string, secret: string, what: string): void {
    const variants = [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret, "utf8").toString("latin1")];
    const windows = new Set<string>();
    for (const v of variants) for (let i = 0; i + 8 <= v.length; i++) windows.add(v.slice(i, i + 8));
    for (const d of decodings(text)) {
        for (const w of windows) assert.ok(!d.includes(w), `${what} leaks through ${JSON.stringify(w)} in ${JSON.stringify(text.slice(0, 400))}`);
    }
}

describe("security 4: redaction of echoed secrets and terminal-safe server text", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let password: Engine;
    let aksk: Engine;
    const work = mkdtempSync(path.join(tmpdir(), "cce-sec-redact-"));

    before(async () => {
        emu = await startEmulator({
            passwordUsers: [USER],
            credentials: [{ accessKey: AK, secretKey: SK }, TMP],
            tokens: [AUTH_TOKEN],
        });
        password = await startEngine(emu, PASSWORD_ENV);
        aksk = await startEngine(emu, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
    });
    after(async () => {
        await password?.stop();
        await aksk?.stop();
        await emu?.stop();
        rmSync(work, { recursive: true, force: true });
    });
    afterEach(() => emu.clearFaults());

    /** Every text of an outcome a user could see: the error and the host's log lines. */
    const seen = (o: Outcome): string => [o.error?.message ?? "", ...o.logs].join("\n");

    describe("a server echoing the request", () => {
        for (const encoding of ["raw", "json", "base64", "url"] as const) {
            it(`keeps the password out of an IAM answer that echoes the login (${encoding})`, async () => {
                emu.inject(faults.echo(400, encoding, { route: "iam-tokens" }));
                const o = await attempt(password, emu, defaultArgs(emu));
                assert.match(failure(o), /^IAM token failed: 400 CCE\.01400001 "Bad request: /);
                assertNotLeaked(seen(o), PASSWORD, "the password");
                assertOneSafeLine(o.error!.message, "the error");
            });
        }

        for (const encoding of ["raw", "base64", "url"] as const) {
            it(`keeps the IAM token obtained by the password login out of an echoing clustercert answer (${encoding})`, async () => {
                emu.inject(faults.echo(400, encoding, { route: "clustercert" }));
                const o = await attempt(password, emu, defaultArgs(emu));
                assert.match(failure(o), /^CCE clustercert failed: 400 CCE\.01400001 "Bad request: /);
                const tokens = emu.issuedTokens();
                assert.ok(tokens.length > 0, "IAM issued a token");
                for (const t of tokens) assertNotLeaked(seen(o), t, "the IAM token");
                assertNotLeaked(seen(o), PASSWORD, "the password");
                if (encoding === "raw") assert.match(o.error!.message, /x-auth-token: \[redacted\]/, "the header is there, its value is not");
            });
        }

        it("keeps temporary credentials (access key, security token) out of an echo", async () => {
            emu.inject(faults.echo(400, "raw", { route: "clustercert" }));
            const o = await attempt(aksk, emu, defaultArgs(emu, { ...TMP }));
            failure(o);
            assertNotLeaked(seen(o), TMP.securityToken, "the security token");
            assertNotLeaked(seen(o), TMP.accessKey, "the access key");
            assertNotLeaked(seen(o), TMP.secretKey, "the secret key");
        });

        it("keeps an auth token given as an argument out of a base64 echo", async () => {
            emu.inject(faults.echo(400, "base64", { route: "clustercert" }));
            const o = await attempt(aksk, emu, defaultArgs(emu, { authToken: AUTH_TOKEN }));
            failure(o);
            assertNotLeaked(seen(o), AUTH_TOKEN, "the auth token");
        });

        it("negative control: the detector finds an unredacted echo", () => {
            const echoed = Buffer.from(`{"password":${JSON.stringify(PASSWORD)}}`, "utf8").toString("base64");
            assert.throws(() => assertNotLeaked(`Bad request: ${echoed}`, PASSWORD, "the password"), /leaks through/);
            assert.throws(() => assertNotLeaked(`x ${encodeURIComponent(PASSWORD)} y`, PASSWORD, "the password"), /leaks through/);
            assert.throws(() => assertNotLeaked(`"${JSON.stringify(PASSWORD).slice(1, -1).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`, PASSWORD, "the password"), /leaks through/);
        });
    });

    describe("server text on the terminal", () => {
        const cases: { name: string; fault: () => ReturnType<typeof faults.respond>; expect: RegExp; maxLength?: number }[] = [
            {
                name: "ANSI escapes and line breaks in the message",
                fault: () => faults.cceError(400, "CCE.01400001", "Bad\u001b[31m RED\u001b[0m\r\nInjected: fake line", { route: "clustercert" }),
                expect: /"Bad\\x1b\[31m RED\\x1b\[0m\\x0d\\x0aInjected: fake line"/,
            },
            {
                name: "a C1 CSI, a line separator and a right-to-left override",
                fault: () => faults.cceError(400, "CCE.01400001", "a\u009b2Jb\u2028c\u202Ed", { route: "clustercert" }),
                expect: /"a\\x9b2Jb\\u2028c\\u202ed"/,
            },
            {
                name: "a 100 KB message",
                fault: () => faults.cceError(400, "CCE.01400001", "M".repeat(100_000), { route: "clustercert" }),
                expect: /"M{300}…\(99700 more characters\)"/,
                maxLength: 800,
            },
            { name: "an escape sequence in the error code", fault: () => faults.gatewayError(400, "APIGW\u001b]0;pwned\u0007", "msg", { route: "clustercert" }), expect: /failed: 400 APIGW\\x1b\]0;pwned\\x07 "msg"/ },
            {
                name: "a request id with a line break",
                fault: () => faults.respond(400, JSON.stringify({ error_code: "APIGW.0101", error_msg: "m", request_id: "rid\nFAKE: ok" }), { "Content-Type": "application/json" }, { route: "clustercert" }),
                // The header's request id wins; the body's one appears only without it: either way, nothing raw.
                expect: /\(request id [0-9a-f-]{36}\)/,
            },
            {
                name: "an HTML page whose title has an escape sequence",
                fault: () => faults.html(502, "Bad \u001b[2J Gateway", { route: "clustercert" }),
                expect: /502 \(a text\/html body of \d+ bytes titled "Bad \\x1b\[2J Gateway"\)/,
            },
        ];
        for (const c of cases) {
            it(`prints ${c.name} as one escaped line`, async () => {
                emu.inject(c.fault());
                const o = await attempt(aksk, emu, defaultArgs(emu));
                const message = failure(o);
                assert.match(message, c.expect);
                assertOneSafeLine(message, "the error");
                for (const l of o.logs) assertOneSafeLine(l, "a host log line");
                if (c.maxLength) assert.ok(message.length < c.maxLength, `${message.length} characters`);
            });
        }

        it("escapes the server's code in the retry log line", async () => {
            emu.inject(faults.gatewayError(503, "APIGW\u001b[2J.0500", "busy", { route: "clustercert", times: 1 }));
            const o = await attempt(aksk, emu, defaultArgs(emu, { maxRetries: 1 }));
            assert.ok(o.state, o.error?.message);
            const [retry] = await waitForLines(aksk, o, (l) => l.includes("retry 1 of 1"));
            assert.ok(retry);
            assert.match(retry, /CCE clustercert: 503 APIGW\\x1b\[2J\.0500 \(request id [0-9a-f-]{36}\); retry 1 of 1 in \d+ ms/);
            assertOneSafeLine(retry, "the retry line");
        });
    });

    describe("CLI (built binary)", () => {
        const env = (extra: Record<string, string>) => ({ ...cliBaseEnv(), HOME: work, HW_REGION_NAME: "eu-west-0", HW_PROJECT_ID: PROJECT.id, NODE_EXTRA_CA_CERTS: emu.caFile, ...extra });
        const get = (extra: Record<string, string>) => runCli(["get", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--iam-endpoint", emu.url], env(extra));

        it("keeps the password and the IAM token out of stderr when both answers echo", async () => {
            emu.inject(faults.echo(400, "json", { route: "iam-tokens" }));
            let r = await get(PASSWORD_ENV);
            assert.equal(r.code, 5, r.stderr);
            assertNotLeaked(r.stderr, PASSWORD, "the password");
            emu.inject(faults.echo(400, "base64", { route: "clustercert" }));
            r = await get(PASSWORD_ENV);
            assert.equal(r.code, 5, r.stderr);
            for (const t of emu.issuedTokens()) assertNotLeaked(r.stderr, t, "the IAM token");
            assertNotLeaked(r.stderr, PASSWORD, "the password");
        });

        it("prints a hostile message as one escaped line on stderr", async () => {
            emu.inject(faults.cceError(400, "CCE.01400001", "x\u001b[31m\r\nFAKE line\u009b", { route: "clustercert" }));
            const r = await get({ HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
            assert.equal(r.code, 5, r.stderr);
            const lines = r.stderr.trimEnd().split("\n");
            assert.equal(lines.length, 1, r.stderr);
            assert.match(lines[0]!, /"x\\x1b\[31m\\x0d\\x0aFAKE line\\x9b"/);
            assertOneSafeLine(lines[0]!, "stderr");
        });
    });
});
