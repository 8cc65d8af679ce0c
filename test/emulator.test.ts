/**
 * Tests of the CCE emulator itself (test/emulator/), with raw node:https requests signed by
 * provider/huaweicloud/signer.ts. Nothing here uses the provider's client.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { signRequest, type AkSk } from "../provider/huaweicloud/signer";
import { CceEmulator, faults, keyMatchesCert, type KubeconfigJson } from "./emulator";

const execFileAsync = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;

const P1 = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const P2 = "1f2e3d4c5b6a79880796a5b4c3d2e1f0";
const C_PUB = "11111111-2222-4333-8444-555555555555";
const C_PRIV = "22222222-3333-4444-8555-666666666666";
const C_OLD = "33333333-4444-4555-8666-777777777777";
const U1 = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const U2 = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
const U3 = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
const MAIN: AkSk = { accessKey: "AKMAIN00000000000001", secretKey: "SKmain0000000000000000000000000000000001" };
const TEMP: AkSk = { accessKey: "AKTEMP00000000000002", secretKey: "SKtemp0000000000000000000000000000000002", securityToken: "temp-security-token-xyz" };
const LIMITED: AkSk = { accessKey: "AKLIMITED00000000003", secretKey: "SKlimited000000000000000000000000000003" };

interface Res {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

interface RawOptions {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    ca?: string;
    cert?: string;
    key?: string;
    rejectUnauthorized?: boolean;
    timeoutMs?: number;
}

/** One request on a fresh connection. */
function raw(url: string, o: RawOptions = {}): Promise<Res> {
    return new Promise((resolve, reject) => {
        const req = https.request(
            url,
            {
                method: o.method ?? "GET",
                headers: o.headers ?? {},
                agent: false,
                ...(o.ca !== undefined ? { ca: o.ca } : {}),
                ...(o.cert !== undefined ? { cert: o.cert, key: o.key } : {}),
                ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
                res.on("error", reject);
            },
        );
        if (o.timeoutMs !== undefined) req.setTimeout(o.timeoutMs, () => req.destroy(Object.assign(new Error("client timeout"), { code: "CLIENT_TIMEOUT" })));
        req.on("error", reject);
        req.end(o.body ?? "");
    });
}

const json = (r: Res): any => JSON.parse(r.body);
const certPath = (projectId: string, clusterId: string, action = "clustercert"): string => `/api/v3/projects/${projectId}/clusters/${clusterId}/${action}`;

describe("CCE emulator", function () {
    this.timeout(30_000);
    let emu: CceEmulator;

    /** A request to the emulator signed with AK/SK (like the official SDKs: content-type;host;x-project-id;x-sdk-date). */
    function signed(path: string, o: { method?: string; body?: string; creds?: AkSk; now?: Date; headers?: Record<string, string>; projectHeader?: string | null } = {}): Promise<Res> {
        const url = emu.url + path;
        const method = o.method ?? "POST";
        const body = o.body ?? "";
        const base: Record<string, string> = { "Content-Type": "application/json", ...(o.headers ?? {}) };
        const projectId = o.projectHeader === undefined ? /\/projects\/([^/]+)\//.exec(path)?.[1] : o.projectHeader;
        if (projectId) base["X-Project-Id"] = projectId;
        const headers = signRequest({ method, url, headers: base, body }, o.creds ?? MAIN, o.now ?? new Date());
        return raw(url, { method, headers, body, ca: emu.caCertPem });
    }

    function withToken(path: string, token: string, o: { method?: string; body?: string } = {}): Promise<Res> {
        return raw(emu.url + path, { method: o.method ?? "POST", headers: { "Content-Type": "application/json", "X-Auth-Token": token }, body: o.body ?? "", ca: emu.caCertPem });
    }

    const decode = (b64: string | undefined): string => Buffer.from(b64 ?? "", "base64").toString("utf8");
    const userOf = (kc: KubeconfigJson): { cert: string; key: string } => ({
        cert: decode(kc.users[0]?.user["client-certificate-data"]),
        key: decode(kc.users[0]?.user["client-key-data"]),
    });

    before(async () => {
        emu = await CceEmulator.start({
            credentials: [
                { ...MAIN, userId: U1, userName: "main" },
                { ...(TEMP as Required<AkSk>), userId: U2 },
                { ...LIMITED, projectIds: [P2] },
            ],
            tokens: ["static-token-0001", { token: "expired-token-0002", expiresAt: new Date(Date.now() - 1000) }],
            passwordUsers: [{ domain: "acme", name: "alice", password: "s3cret!", userId: U3 }],
            projects: [
                { id: P1, name: "eu-west-0" },
                { id: P2, name: "eu-west-101" },
            ],
            clusters: [
                { id: C_PUB, projectId: P1, name: "pub", publicIp: true, version: "v1.28" },
                { id: C_PRIV, projectId: P1, name: "priv", version: "v1.29.2" },
                { id: C_OLD, projectId: P1, name: "old", version: "v1.11" },
            ],
        });
    });

    after(async () => {
        await emu?.stop();
    });

    afterEach(() => {
        emu.clearFaults();
        emu.configure({ rateLimit: null, expireAtSupported: true });
    });

    describe("clustercert", () => {
        it("answers a signed POST with a kubeconfig of the API's shape and a real client certificate", async () => {
            const res = await signed(certPath(P1, C_PUB), { body: JSON.stringify({ duration: 30 }) });
            assert.equal(res.status, 200, res.body);
            const cluster = emu.cluster(C_PUB);
            assert.equal(res.headers["port-id"], cluster.portId);
            assert.match(String(res.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
            const kc = json(res) as KubeconfigJson;
            assert.deepEqual(Object.keys(kc), ["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context"]);
            assert.equal(kc.kind, "Config");
            assert.equal(kc.apiVersion, "v1");
            assert.deepEqual(kc.preferences, {});
            assert.deepEqual(
                kc.clusters.map((c) => c.name),
                ["internalCluster", "externalCluster"],
            );
            assert.deepEqual(kc.clusters[0]?.cluster, { server: cluster.internalUrl, "certificate-authority-data": Buffer.from(cluster.caCertPem).toString("base64") });
            assert.deepEqual(kc.clusters[1]?.cluster, { server: cluster.externalUrl, "insecure-skip-tls-verify": true });
            assert.deepEqual(kc.contexts, [
                { name: "internal", context: { cluster: "internalCluster", user: "user" } },
                { name: "external", context: { cluster: "externalCluster", user: "user" } },
            ]);
            assert.equal(kc["current-context"], "external");
            assert.deepEqual(kc.users.map((u) => u.name), ["user"]);

            const { cert, key } = userOf(kc);
            const x = new X509Certificate(cert);
            const ca = new X509Certificate(cluster.caCertPem);
            assert.ok(x.checkIssued(ca) && x.verify(ca.publicKey), "client certificate chains to the cluster CA");
            assert.equal(x.subject, `O=system:masters\nCN=${U1}`);
            assert.match(key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
            assert.ok(keyMatchesCert(cert, key));
            assert.equal(createPrivateKey(key).asymmetricKeyDetails?.modulusLength, 2048);
            const call = emu.calls.last({ route: "clustercert" });
            // Against the emulator's clock when the request arrived (its call record), not this
            // process's clock before sending: X.509 times have whole seconds.
            const at = call!.time.getTime();
            const notBefore = Date.parse(x.validFrom);
            const notAfter = Date.parse(x.validTo);
            assert.ok(Math.abs(notBefore - (at - 5 * 60 * 1000)) < 1000, `notBefore back-dated 5 minutes (${x.validFrom})`);
            assert.ok(Math.abs(notAfter - (at + 30 * DAY)) < 1000, `valid 30 days (${x.validTo})`);

            assert.equal(call?.status, 200);
            assert.equal(call?.auth, "aksk");
            assert.equal(call?.accessKey, MAIN.accessKey);
            assert.equal(call?.userId, U1);
            assert.ok(cluster.certificates().some((c) => c.serialNumber === x.serialNumber && c.userId === U1 && !c.revoked));
        });

        it("gives a cluster without a public IP only the internal cluster and context", async () => {
            const res = await signed(certPath(P1, C_PRIV), { body: JSON.stringify({ duration: -1 }) });
            assert.equal(res.status, 200, res.body);
            const kc = json(res) as KubeconfigJson;
            assert.deepEqual(kc.clusters.map((c) => c.name), ["internalCluster"]);
            assert.deepEqual(kc.contexts.map((c) => c.name), ["internal"]);
            assert.equal(kc["current-context"], "internal");
            const x = new X509Certificate(userOf(kc).cert);
            const fiveYears = new Date();
            fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + 5);
            assert.ok(Math.abs(Date.parse(x.validTo) - fiveYears.getTime()) < 10_000, `-1 = five years (${x.validTo})`);
        });

        it("honours expire_at (which wins over duration), and answers 400 when the cloud does not support it", async () => {
            const at = new Date(Date.now() + 10 * DAY);
            at.setUTCMilliseconds(0);
            const expireAt = `${at.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
            const res = await signed(certPath(P1, C_PRIV), { body: JSON.stringify({ duration: 365, expire_at: expireAt }) });
            assert.equal(res.status, 200, res.body);
            assert.equal(Date.parse(new X509Certificate(userOf(json(res)).cert).validTo), at.getTime());

            emu.configure({ expireAtSupported: false });
            const old = await signed(certPath(P1, C_PRIV), { body: JSON.stringify({ expire_at: expireAt }) });
            assert.equal(old.status, 400);
            assert.equal(json(old).errorCode, "CCE.01400001");
            assert.match(json(old).errorMessage, /expire_at/);
        });

        it("rejects bad bodies with 400 CCE.01400001", async () => {
            const mintedBefore = emu.cluster(C_PRIV).certificates().length;
            const soon = new Date(Date.now() + 5 * 60 * 1000);
            const tooSoon = `${soon.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
            const bodies = [
                "{}",
                '{"duration":0}',
                '{"duration":1828}',
                '{"duration":-2}',
                '{"duration":"30"}',
                '{"duration":1.5}',
                "[30]",
                '{"duration":30',
                `{"expire_at":"${tooSoon}"}`,
                '{"expire_at":"2030-01-01T00:00:00Z"}',
                '{"expire_at":"2999-01-01 00:00:00 +0000 UTC"}',
            ];
            for (const body of bodies) {
                const res = await signed(certPath(P1, C_PRIV), { body });
                assert.equal(res.status, 400, `${body}: ${res.body}`);
                assert.equal(json(res).errorCode, "CCE.01400001", body);
                assert.equal(typeof json(res).errorMessage, "string");
            }
            const wrongType = await signed(certPath(P1, C_PRIV), { body: '{"duration":30}', headers: { "Content-Type": "text/plain" } });
            assert.equal(wrongType.status, 400);
            assert.equal(emu.cluster(C_PRIV).certificates().length, mintedBefore, "no certificate minted for bad requests");
        });

        it("refuses the POST on a cluster older than v1.13 but answers the deprecated GET with a five-year certificate", async () => {
            const post = await signed(certPath(P1, C_OLD), { body: '{"duration":30}' });
            assert.equal(post.status, 404);
            assert.equal(json(post).errorCode, "CCE.01404002");
            assert.match(json(post).errorMessage, /v1\.11.*v1\.13/);
            const get = await signed(certPath(P1, C_OLD), { method: "GET" });
            assert.equal(get.status, 200, get.body);
            const x = new X509Certificate(userOf(json(get)).cert);
            assert.ok(Date.parse(x.validTo) - Date.now() > 5 * 365 * DAY - DAY);
            assert.equal(emu.calls.last({ route: "clustercert", method: "GET" })?.status, 200);
        });
    });

    describe("authentication", () => {
        const body = '{"duration":30}';

        async function expect401(res: Res, pattern: RegExp): Promise<void> {
            assert.equal(res.status, 401, res.body);
            const b = json(res);
            assert.equal(b.error_code, "APIGW.0301");
            assert.match(b.error_msg, /^Incorrect IAM authentication information: /);
            assert.match(b.error_msg, pattern);
            assert.equal(b.request_id, res.headers["x-request-id"]);
        }

        it("answers 401 APIGW.0301 to a bad signature, a wrong SK, an unknown AK, clock skew and missing credentials", async () => {
            const url = emu.url + certPath(P1, C_PRIV);
            const headers = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json" }, body }, MAIN, new Date());
            await expect401(await raw(url, { method: "POST", headers, body: '{"duration":31}', ca: emu.caCertPem }), /signature/);
            await expect401(await raw(url, { method: "POST", headers: { ...headers, "Content-Type": "application/json;charset=utf-8" }, body, ca: emu.caCertPem }), /signature/);
            await expect401(await signed(certPath(P1, C_PRIV), { body, creds: { ...MAIN, secretKey: "not-the-secret" } }), /signature/);
            await expect401(await signed(certPath(P1, C_PRIV), { body, creds: { ...MAIN, accessKey: "AKUNKNOWN" } }), /access key/);
            const skewed = await signed(certPath(P1, C_PRIV), { body, now: new Date(Date.now() - 20 * 60 * 1000) });
            await expect401(skewed, /X-Sdk-Date \d{8}T\d{6}Z.*clock skew/);
            // 14 minutes of skew are tolerated.
            const tolerated = await signed(certPath(P1, C_PRIV), { method: "GET", now: new Date(Date.now() + 14 * 60 * 1000) });
            assert.equal(tolerated.status, 200);
            await expect401(await raw(url, { method: "POST", headers: { "Content-Type": "application/json" }, body, ca: emu.caCertPem }), /not found/);
            await expect401(await raw(url, { method: "POST", headers: { ...headers, Authorization: "SDK-HMAC-SHA256 garbage" }, body, ca: emu.caCertPem }), /Authorization/);
            assert.ok(emu.calls.count({ route: "clustercert", status: 401 }) >= 7);
        });

        it("requires the security token of temporary credentials", async () => {
            await expect401(await signed(certPath(P1, C_PRIV), { body, creds: { accessKey: TEMP.accessKey, secretKey: TEMP.secretKey } }), /X-Security-Token/);
            await expect401(await signed(certPath(P1, C_PRIV), { body, creds: { ...TEMP, securityToken: "wrong" } }), /security token/);
            const ok = await signed(certPath(P1, C_PRIV), { body, creds: TEMP });
            assert.equal(ok.status, 200, ok.body);
            assert.match(new X509Certificate(userOf(json(ok)).cert).subject, new RegExp(`CN=${U2}`));
        });

        it("checks that X-Project-Id matches the project in the path", async () => {
            await expect401(await signed(certPath(P1, C_PRIV), { body, projectHeader: P2 }), /X-Project-Id/);
        });

        it("answers 404 CCE.01404001 for an unknown cluster or project, 403 CCE.01403001 for a project the credential may not use", async () => {
            const noCluster = await signed(certPath(P1, "no-such-cluster"), { body });
            assert.equal(noCluster.status, 404);
            assert.equal(json(noCluster).errorCode, "CCE.01404001");
            const wrongProject = await signed(certPath(P2, C_PRIV), { body });
            assert.equal(wrongProject.status, 404, "a cluster of another project is not found");
            const noProject = await signed(certPath("ffffffffffffffffffffffffffffffff", C_PRIV), { body });
            assert.equal(noProject.status, 404);
            assert.equal(json(noProject).errorCode, "CCE.01404001");
            const forbidden = await signed(certPath(P1, C_PRIV), { body, creds: LIMITED });
            assert.equal(forbidden.status, 403);
            assert.equal(json(forbidden).errorCode, "CCE.01403001");
        });

        it("answers 404 APIGW.0101 for unknown routes and methods", async () => {
            for (const [path, method] of [
                ["/api/v3/projects/x/clusters", "GET"],
                [certPath(P1, C_PRIV), "DELETE"],
                [certPath(P1, C_PRIV, "clustercertrevoke"), "GET"],
                ["/v3/auth/tokens", "GET"],
            ] as const) {
                const res = await signed(path, { method });
                assert.equal(res.status, 404, `${method} ${path}`);
                assert.equal(json(res).error_code, "APIGW.0101");
            }
        });

        it("throttles above the rate limit with 429 APIGW.0308, per credential", async () => {
            emu.configure({ rateLimit: { limit: 2, windowMs: 60_000, scope: "credential" } });
            const statuses: number[] = [];
            for (let i = 0; i < 3; i++) statuses.push((await signed("/v3/projects?name=eu-west-0", { method: "GET", projectHeader: null })).status);
            assert.deepEqual(statuses, [200, 200, 429]);
            const limited = await signed("/v3/projects?name=eu-west-0", { method: "GET", projectHeader: null });
            assert.equal(limited.status, 429);
            assert.equal(json(limited).error_code, "APIGW.0308");
            assert.match(json(limited).error_msg, /^The throttling threshold has been reached: policy user over ratelimit,limit:2/);
            assert.equal(limited.headers["retry-after"], undefined, "the gateway sends no Retry-After");
            const other = await signed("/v3/projects?name=eu-west-0", { method: "GET", projectHeader: null, creds: TEMP });
            assert.equal(other.status, 200, "another credential has its own budget");

            emu.configure({ rateLimit: { limit: 1, windowMs: 60_000, scope: "global", retryAfter: true } });
            assert.equal((await signed("/v3/projects", { method: "GET", projectHeader: null })).status, 200);
            const global = await signed("/v3/projects", { method: "GET", projectHeader: null, creds: TEMP });
            assert.equal(global.status, 429);
            assert.equal(global.headers["retry-after"], "60");
        });
    });

    describe("IAM", () => {
        it("issues a password token (201, X-Subject-Token) that authenticates CCE calls", async () => {
            const tokenBody = (password: string, project = "eu-west-0"): string =>
                JSON.stringify({
                    auth: {
                        identity: { methods: ["password"], password: { user: { name: "alice", password, domain: { name: "acme" } } } },
                        scope: { project: { name: project } },
                    },
                });
            const res = await raw(`${emu.url}/v3/auth/tokens`, { method: "POST", headers: { "Content-Type": "application/json;charset=utf8" }, body: tokenBody("s3cret!"), ca: emu.caCertPem });
            assert.equal(res.status, 201, res.body);
            const token = String(res.headers["x-subject-token"]);
            assert.ok(token.length > 50);
            const t = json(res).token;
            assert.deepEqual([t.project.id, t.project.name, t.user.id, t.user.name], [P1, "eu-west-0", U3, "alice"]);
            const expires = Date.parse(t.expires_at);
            assert.ok(Math.abs(expires - Date.parse(t.issued_at) - DAY) < 1000, "24 hours");
            assert.match(t.expires_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

            const cert = await withToken(certPath(P1, C_PRIV), token, { body: '{"duration":7}' });
            assert.equal(cert.status, 200, cert.body);
            assert.match(new X509Certificate(userOf(json(cert)).cert).subject, new RegExp(`CN=${U3}`));
            assert.equal(emu.calls.last({ route: "clustercert" })?.auth, "token");
            const otherProject = await withToken(certPath(P2, C_PRIV), token, { body: '{"duration":7}' });
            assert.equal(otherProject.status, 403, "the token is scoped to eu-west-0");

            const wrong = await raw(`${emu.url}/v3/auth/tokens`, { method: "POST", headers: { "Content-Type": "application/json" }, body: tokenBody("wrong"), ca: emu.caCertPem });
            assert.equal(wrong.status, 401);
            assert.deepEqual(json(wrong), { error: { code: 401, message: "The username or password is wrong.", title: "Unauthorized" } });
            const noProject = await raw(`${emu.url}/v3/auth/tokens`, { method: "POST", body: tokenBody("s3cret!", "xx-nowhere-1"), ca: emu.caCertPem });
            assert.equal(noProject.status, 401);
            const garbage = await raw(`${emu.url}/v3/auth/tokens`, { method: "POST", body: "{", ca: emu.caCertPem });
            assert.equal(garbage.status, 400);
            assert.equal(json(garbage).error.code, 400);
        });

        it("accepts configured tokens and refuses expired or unknown ones", async () => {
            assert.equal((await withToken("/v3/projects", "static-token-0001", { method: "GET" })).status, 200);
            const expired = await withToken("/v3/projects", "expired-token-0002", { method: "GET" });
            assert.equal(expired.status, 401);
            assert.match(json(expired).error_msg, /token expires/);
            assert.equal((await withToken("/v3/projects", "no-such-token", { method: "GET" })).status, 401);
        });

        it("lists projects by region name for an AK/SK-signed request without X-Project-Id", async () => {
            const res = await signed("/v3/projects?name=eu-west-0", { method: "GET", projectHeader: null });
            assert.equal(res.status, 200, res.body);
            const b = json(res);
            assert.equal(b.projects.length, 1);
            assert.equal(b.projects[0].id, P1);
            assert.equal(b.projects[0].name, "eu-west-0");
            assert.equal(b.projects[0].enabled, true);
            assert.equal(typeof b.projects[0].domain_id, "string");
            assert.ok(b.links.self.startsWith(emu.url));
            assert.equal(json(await signed("/v3/projects?name=xx-nowhere-1", { method: "GET", projectHeader: null })).projects.length, 0);
            assert.equal(json(await signed("/v3/projects", { method: "GET", projectHeader: null })).projects.length, 2);
        });
    });

    describe("Kubernetes API of the clusters", () => {
        let kc: KubeconfigJson;
        let user: { cert: string; key: string };
        let clusterCa: string;

        before(async () => {
            const res = await signed(certPath(P1, C_PUB), { body: '{"duration":1}' });
            assert.equal(res.status, 200, res.body);
            kc = json(res) as KubeconfigJson;
            user = userOf(kc);
            clusterCa = decode(kc.clusters[0]?.cluster["certificate-authority-data"]);
        });

        const server = (name: string): string => kc.clusters.find((c) => c.name === name)?.cluster.server as string;
        const kube = (path: string, o: RawOptions & { endpoint?: "internalCluster" | "externalCluster" } = {}): Promise<Res> => {
            const endpoint = o.endpoint ?? "internalCluster";
            return raw(server(endpoint) + path, {
                cert: user.cert,
                key: user.key,
                ...(endpoint === "internalCluster" ? { ca: clusterCa } : { rejectUnauthorized: false }),
                ...o,
            });
        };

        it("serves the internal endpoint with a certificate that certificate-authority-data verifies", async () => {
            const res = await kube("/api/v1/namespaces/default/pods");
            assert.equal(res.status, 200, res.body);
            const list = json(res);
            assert.equal(list.kind, "PodList");
            assert.ok(list.items.length >= 1);
            assert.equal(list.items[0].status.phase, "Running");
            const version = json(await kube("/version"));
            assert.match(version.gitVersion, /^v1\.28\./);
            assert.equal(emu.calls.last({ route: "kube" })?.userId, U1);
        });

        it("serves the external endpoint with a certificate that does not verify (hence insecure-skip-tls-verify)", async () => {
            await assert.rejects(kube("/api", { endpoint: "externalCluster", rejectUnauthorized: true, ca: clusterCa }), (e: NodeJS.ErrnoException) => /CERT|SELF_SIGNED|ERR_TLS/.test(String(e.code)));
            const res = await kube("/api/v1/namespaces/default/pods", { endpoint: "externalCluster" });
            assert.equal(res.status, 200, res.body);
            assert.equal(emu.calls.last({ route: "kube" })?.endpoint, "external");
        });

        it("answers 401 Unauthorized without a client certificate and with another cluster's", async () => {
            const unauthorized = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 };
            const none = await raw(server("internalCluster") + "/api/v1/namespaces/default/pods", { ca: clusterCa });
            assert.equal(none.status, 401);
            assert.deepEqual(json(none), unauthorized);
            const noneExternal = await raw(server("externalCluster") + "/api", { rejectUnauthorized: false });
            assert.equal(noneExternal.status, 401);

            const other = await signed(certPath(P1, C_PRIV), { body: '{"duration":1}' });
            const otherUser = userOf(json(other));
            const res = await kube("/api/v1/namespaces/default/pods", { cert: otherUser.cert, key: otherUser.key });
            assert.equal(res.status, 401);
            assert.deepEqual(json(res), unauthorized);
        });

        it("answers 401 to an expired certificate", async () => {
            emu.inject(faults.kubeconfig("expired-cert"));
            const res = await signed(certPath(P1, C_PUB), { body: '{"duration":1}' });
            assert.equal(res.status, 200);
            const expired = userOf(json(res));
            assert.ok(Date.parse(new X509Certificate(expired.cert).validTo) < Date.now());
            assert.equal((await kube("/api", { cert: expired.cert, key: expired.key })).status, 401);
        });

        it("stores namespaces and configmaps with Kubernetes-shaped answers and errors", async () => {
            const post = (path: string, body: unknown): Promise<Res> => kube(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
            const ns = await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
            assert.equal(ns.status, 201, ns.body);
            assert.equal(json(ns).status.phase, "Active");
            const cm = await post("/api/v1/namespaces/team-a/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", labels: { app: "x" } }, data: { a: "1" } });
            assert.equal(cm.status, 201, cm.body);
            const meta = json(cm).metadata;
            assert.equal(meta.namespace, "team-a");
            assert.match(meta.uid, /^[0-9a-f-]{36}$/);
            assert.match(meta.resourceVersion, /^\d+$/);
            assert.match(meta.creationTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

            const dup = await post("/api/v1/namespaces/team-a/configmaps", { metadata: { name: "settings" } });
            assert.equal(dup.status, 409);
            assert.deepEqual([json(dup).kind, json(dup).reason, json(dup).code], ["Status", "AlreadyExists", 409]);
            const missingNs = await post("/api/v1/namespaces/nowhere/configmaps", { metadata: { name: "x" } });
            assert.equal(missingNs.status, 404);
            assert.equal(json(missingNs).message, 'namespaces "nowhere" not found');

            const got = json(await kube("/api/v1/namespaces/team-a/configmaps/settings"));
            assert.deepEqual(got.data, { a: "1" });
            const list = json(await kube("/api/v1/namespaces/team-a/configmaps?labelSelector=app%3Dx"));
            assert.equal(list.kind, "ConfigMapList");
            assert.deepEqual(list.items.map((i: any) => i.metadata.name), ["settings"]);
            const patched = await kube("/api/v1/namespaces/team-a/configmaps/settings", { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: '{"data":{"b":"2"}}' });
            assert.deepEqual(json(patched).data, { a: "1", b: "2" });
            assert.equal(json(patched).metadata.uid, meta.uid);
            assert.ok(Number(json(patched).metadata.resourceVersion) > Number(meta.resourceVersion));
            const applied = await kube("/api/v1/namespaces/team-a/configmaps/applied?fieldManager=pulumi", {
                method: "PATCH",
                headers: { "Content-Type": "application/apply-patch+yaml" },
                body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n",
            });
            assert.equal(applied.status, 201, applied.body);
            assert.deepEqual(json(applied).data, { k: "v" });
            const table = json(await kube("/api/v1/namespaces/team-a/configmaps", { headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } }));
            assert.equal(table.kind, "Table");
            assert.deepEqual(table.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 2)), [["applied", 1], ["settings", 2]]);

            const del = await kube("/api/v1/namespaces/team-a/configmaps/settings", { method: "DELETE" });
            assert.equal(json(del).status, "Success");
            assert.equal((await kube("/api/v1/namespaces/team-a/configmaps/settings")).status, 404);
            assert.equal((await kube("/api/v1/namespaces/team-a", { method: "DELETE" })).status, 200);
            assert.equal((await kube("/api/v1/namespaces/team-a")).status, 404);
            assert.equal((await kube("/api/v1/namespaces/default", { method: "DELETE" })).status, 403);
        });

        it("works with kubectl (discovery, server-side tables, get --raw, create)", async function () {
            this.timeout(60_000);
            try {
                await execFileAsync("kubectl", ["version", "--client"], { timeout: 20_000 });
            } catch {
                this.skip();
            }
            const dir = mkdtempSync(join(tmpdir(), "emulator-kubectl-"));
            try {
                const file = join(dir, "kubeconfig");
                writeFileSync(file, JSON.stringify(kc), { mode: 0o600 });
                const kubectl = async (...args: string[]): Promise<string> =>
                    (await execFileAsync("kubectl", ["--kubeconfig", file, "--cache-dir", join(dir, "cache"), "--request-timeout", "20s", ...args], { timeout: 40_000 })).stdout;
                const pods = await kubectl("get", "pods");
                assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
                assert.match(pods, /nginx-\S+\s+1\/1\s+Running\s+0\s+3d/);
                const rawPods = JSON.parse(await kubectl("--context", "internal", "get", "--raw", "/api/v1/namespaces/default/pods"));
                assert.equal(rawPods.kind, "PodList");
                assert.match(await kubectl("create", "configmap", "from-kubectl", "--from-literal=k=v"), /configmap\/from-kubectl created/);
                assert.match(await kubectl("--context", "internal", "get", "configmaps"), /from-kubectl\s+1\s+/);
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it("clustercertrevoke makes the cluster refuse every certificate of that user; a new one works", async () => {
            const bad = await signed(certPath(P1, C_PUB, "clustercertrevoke"), { body: JSON.stringify({ userId: U1, agencyId: "x" }) });
            assert.equal(bad.status, 400);
            assert.equal(json(bad).errorCode, "CCE.01400001");
            assert.equal((await signed(certPath(P1, C_PUB, "clustercertrevoke"), { body: "{}" })).status, 400);

            assert.equal((await kube("/api")).status, 200);
            const revoke = await signed(certPath(P1, C_PUB, "clustercertrevoke"), { body: JSON.stringify({ userId: U1 }) });
            assert.equal(revoke.status, 200, revoke.body);
            assert.deepEqual(json(revoke), {});
            assert.equal((await kube("/api")).status, 401);
            assert.equal((await kube("/api", { endpoint: "externalCluster" })).status, 401);
            assert.ok(emu.cluster(C_PUB).certificates().filter((c) => c.userId === U1).every((c) => c.revoked));

            const fresh = userOf(json(await signed(certPath(P1, C_PUB), { body: '{"duration":1}' })));
            assert.equal((await kube("/api", { cert: fresh.cert, key: fresh.key })).status, 200);
            assert.equal((await signed(certPath(P1, C_OLD, "clustercertrevoke"), { body: JSON.stringify({ userId: U1 }) })).status, 404, "legacy clusters cannot revoke");
        });
    });

    describe("fault injection", () => {
        const path = (): string => certPath(P1, C_PRIV);
        const body = '{"duration":1}';

        it("answers canned responses in FIFO order (four error shapes, HTML, truncated JSON), then serves normally", async () => {
            const handles = [
                emu.inject(faults.cceError(500, "CCE.01500001", "internal error")),
                emu.inject(faults.gatewayError(503, "APIGW.0502", "backend unavailable")),
                emu.inject(faults.codeMessage(400, "SVC.0001", "bad")),
                emu.inject(faults.nestedError(502, 502, "bad gateway")),
                emu.inject(faults.throttled({ retryAfter: 2 })),
                emu.inject(faults.html(502)),
                emu.inject(faults.truncatedJson()),
            ];
            const results: Res[] = [];
            for (let i = 0; i < handles.length; i++) results.push(await signed(path(), { body }));
            assert.deepEqual(results.map((r) => r.status), [500, 503, 400, 502, 429, 502, 200]);
            assert.equal(json(results[0] as Res).errorCode, "CCE.01500001");
            assert.equal(json(results[1] as Res).error_code, "APIGW.0502");
            assert.equal(json(results[1] as Res).request_id, results[1]?.headers["x-request-id"]);
            assert.equal(json(results[2] as Res).code, "SVC.0001");
            assert.equal(json(results[3] as Res).error.message, "bad gateway");
            assert.equal(results[4]?.headers["retry-after"], "2");
            assert.match(String(results[5]?.headers["content-type"]), /text\/html/);
            assert.throws(() => json(results[6] as Res), SyntaxError);
            assert.ok(results.every((r) => typeof r.headers["x-request-id"] === "string"));
            assert.ok(handles.every((h) => h.hits === 1 && h.remaining === 0));
            assert.deepEqual(emu.pendingFaults(), []);
            assert.equal((await signed(path(), { body })).status, 200);
        });

        it("filters by route and method and repeats `times` times", async () => {
            const f = emu.inject(faults.gatewayError(503, "APIGW.0502", "down", { route: "iam-projects", method: "GET", times: 2 }));
            assert.equal((await signed(path(), { body })).status, 200, "other routes are not affected");
            assert.equal((await signed("/v3/projects", { method: "GET", projectHeader: null })).status, 503);
            assert.equal((await signed("/v3/projects", { method: "GET", projectHeader: null })).status, 503);
            assert.equal((await signed("/v3/projects", { method: "GET", projectHeader: null })).status, 200);
            assert.equal(f.hits, 2);
            assert.equal(emu.calls.last({ route: "iam-projects", status: 503 })?.fault, "respond 503");
        });

        it("delays, hangs and resets connections", async () => {
            emu.inject(faults.delay(300));
            const t = Date.now();
            assert.equal((await signed("/v3/projects", { method: "GET", projectHeader: null })).status, 200);
            assert.ok(Date.now() - t >= 280);

            emu.inject(faults.hang());
            await assert.rejects(
                raw(`${emu.url}/v3/projects`, { ca: emu.caCertPem, headers: { "X-Auth-Token": "static-token-0001" }, timeoutMs: 300 }),
                (e: NodeJS.ErrnoException) => e.code === "CLIENT_TIMEOUT",
            );
            emu.inject(faults.reset());
            await assert.rejects(signed(path(), { body }), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET" || /socket hang up/.test(e.message));
            emu.inject(faults.truncatedTransfer('{"kind":"Config","apiVersion":"v1"}', 10));
            await assert.rejects(signed(path(), { body }), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET" || /aborted|hang up/.test(e.message));
            assert.equal((await signed(path(), { body })).status, 200, "serves normally afterwards");
            assert.equal(emu.calls.filter({ route: "clustercert" }).filter((r) => r.fault === "reset").length, 1);
        });

        it("holds a request until the test releases it, and logs it once answered (calls.waitFor)", async () => {
            let release = (): void => undefined;
            const released = new Promise<void>((r) => (release = r));
            let held = 0;
            let arrived = (): void => undefined;
            const heldNow = new Promise<void>((r) => (arrived = r));
            const from = emu.calls.entries.length;
            emu.inject(faults.holdUntil(released, { route: "iam-projects" }, () => {
                held++;
                arrived();
            }));
            let answered = false;
            const pending = signed("/v3/projects", { method: "GET", projectHeader: null }).then((r) => {
                answered = true;
                return r;
            });
            await heldNow;
            const other = await signed("/v3/projects", { method: "GET", projectHeader: null });
            assert.equal(other.status, 200, "the fault holds one request; the next one is served");
            assert.equal((await emu.calls.waitFor({ route: "iam-projects" }, 1, { from })).length, 1, "the held one is not logged yet");
            assert.equal(held, 1);
            assert.equal(answered, false, "still held");
            release();
            assert.equal((await pending).status, 200);
            assert.equal((await emu.calls.waitFor({ route: "iam-projects" }, 2, { from })).at(-1)?.fault, "hold");
            await assert.rejects(emu.calls.waitFor({ route: "iam-projects" }, 3, { from, timeoutMs: 50 }), /2 of 3 calls/);
        });

        it("writes an HTTP-date Retry-After when it answers (throttled({ retryAfter: { httpDateInMs } }))", async () => {
            emu.inject(faults.throttled({ route: "iam-projects", retryAfter: { httpDateInMs: 10_000 } }));
            const res = await signed("/v3/projects", { method: "GET", projectHeader: null });
            assert.equal(res.status, 429);
            assert.equal(json(res).error_code, "APIGW.0308");
            const call = emu.calls.last({ route: "iam-projects" })!;
            assert.equal(call.retryAfter, res.headers["retry-after"]);
            const advised = Date.parse(String(res.headers["retry-after"]));
            assert.equal(advised % 1000, 0, "an HTTP date has whole seconds");
            assert.ok(advised - call.time.getTime() >= 10_000, `${String(res.headers["retry-after"])} is 10 s after the request arrived or later`);
        });

        it("corrupts the kubeconfig of a 200 answer: no users, bad base64, a key that does not match", async () => {
            emu.inject(faults.kubeconfig("no-users"));
            assert.deepEqual(json(await signed(path(), { body })).users, []);
            emu.inject(faults.kubeconfig("bad-base64"));
            const bad = (json(await signed(path(), { body })) as KubeconfigJson).users[0]?.user["client-certificate-data"] ?? "";
            assert.ok(!/^[A-Za-z0-9+/]+=*$/.test(bad));
            emu.inject(faults.kubeconfig("mismatched-key"));
            const mismatched = userOf(json(await signed(path(), { body })));
            assert.ok(!keyMatchesCert(mismatched.cert, mismatched.key));
            assert.match(mismatched.key, /BEGIN RSA PRIVATE KEY/);
            emu.inject(faults.kubeconfig((k) => ({ ...k, "current-context": "nowhere" })));
            assert.equal(json(await signed(path(), { body }))["current-context"], "nowhere");
        });
    });

    describe("benchmark mode and main.ts", () => {
        it("answers from pre-minted certificates", async () => {
            const bench = await CceEmulator.start({
                credentials: [{ ...MAIN, userId: U1 }],
                projects: [{ id: P1, name: "eu-west-0" }],
                clusters: [{ id: C_PRIV, projectId: P1 }],
                keyType: "ec",
                benchmark: { poolSize: 2, durationDays: 90 },
            });
            try {
                assert.equal(bench.cluster(C_PRIV).certificates().length, 2, "pre-minted at start");
                const serials = new Set<string>();
                for (let i = 0; i < 4; i++) {
                    const url = `${bench.url}${certPath(P1, C_PRIV)}`;
                    const b = '{"duration":30}';
                    const headers = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json" }, body: b }, MAIN, new Date());
                    const res = await raw(url, { method: "POST", headers, body: b, ca: bench.caCertPem });
                    assert.equal(res.status, 200);
                    const { cert, key } = userOf(json(res));
                    assert.match(key, /BEGIN EC PRIVATE KEY/);
                    const x = new X509Certificate(cert);
                    assert.ok(Math.abs(Date.parse(x.validTo) - Date.now() - 90 * DAY) < 60_000);
                    serials.add(x.serialNumber);
                }
                assert.equal(serials.size, 2);
                assert.equal(bench.cluster(C_PRIV).certificates().length, 2);
            } finally {
                await bench.stop();
            }
        });

        it("main.ts prints one JSON line, serves the demo configuration and stops on SIGTERM", async function () {
            this.timeout(60_000);
            const child = spawn(process.execPath, ["-r", "ts-node/register", join(__dirname, "emulator", "main.ts"), "--port", "0"], {
                env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
                stdio: ["ignore", "pipe", "pipe"],
            });
            try {
                const line = await new Promise<string>((resolve, reject) => {
                    let out = "";
                    child.stdout.on("data", (d: Buffer) => {
                        out += d.toString();
                        const nl = out.indexOf("\n");
                        if (nl >= 0) resolve(out.slice(0, nl));
                    });
                    child.once("exit", (code) => reject(new Error(`main.ts exited with ${code}`)));
                });
                const info = JSON.parse(line);
                assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
                assert.equal(info.clusterIds.length, 2);
                assert.deepEqual(info.clusters.map((c: { publicIp: boolean }) => c.publicIp), [true, false]);
                const ca = readFileSync(info.caFile, "utf8");
                const url = `${info.url}/v3/projects?name=eu-west-0`;
                const headers = signRequest({ method: "GET", url, headers: {}, body: "" }, info.credentials[0], new Date());
                const res = await raw(url, { headers, ca });
                assert.equal(res.status, 200, res.body);
                assert.equal(json(res).projects[0].id, info.projectId);
                const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
                child.kill("SIGTERM");
                assert.equal(await exited, 0);
            } finally {
                if (child.exitCode === null) child.kill("SIGKILL");
            }
        });
    });
});
