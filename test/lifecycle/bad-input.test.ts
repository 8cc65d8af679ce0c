/**
 * Bad input and bad answers (issue 4, item 7): a table of cases, each run through the REAL
 * dynamic-provider host (check, then create) against the CCE emulator with its fault injection.
 * Every case must end in one clear message naming the cause, and planted secrets — access keys,
 * secret keys, a security token, auth tokens, IAM passwords and every private key the emulator
 * minted — must appear in no error, no host log line, no non-secret output and no serialized provider.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { CceEmulator, faults, type KubeconfigJson } from "../emulator";
import { CheckFailedError, Engine } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { secret, type PropertyMap } from "../harness/properties";
import { assertNoSecret, baseEnv, DAY_MS, DOCUMENTED_SECRET_OUTPUTS, nonSecretOutputs, pemForms, registered, up } from "../harness/clustercert";

// ---- planted secrets --------------------------------------------------------------------------
const AK = "PLANTEDAKQ7X2M9LZ4WB";
const SK = "PlantedSecretKey9f8e7d6c5b4a3210zyxwvuts";
const WRONG_SK = "PlantedWrongSecretKey0123456789abcdefghi";
const UNKNOWN_AK = "PLANTEDUNKNOWNAK7Q2Z";
const TMP_AK = "PLANTEDTMPAKV5N8R1KC";
const TMP_SK = "PlantedTempSecretKey0a1b2c3d4e5f67890abc";
const SECURITY_TOKEN = "PlantedSecurityToken-gQoJb3JpZ2luX2VjEJr//////////wEaDmFwLXNvdXRoZWFzdC0x";
const WRONG_SECURITY_TOKEN = "PlantedWrongSecurityToken-Zm9vYmFyYmF6cXV4";
const DENIED_AK = "PLANTEDDENIEDAK3H6JX";
const DENIED_SK = "PlantedDeniedSecretKey5566778899aabbccdd";
const AUTH_TOKEN = "PlantedAuthToken-MIIDbgYJKoZIhvcNAQcCoIIDXzCCA1sCAQExDTALBglghkgBZQMEAgEw";
const EXPIRED_TOKEN = "PlantedExpiredToken-MIIDbgYJKoZIhvcNAQcCoIIDXzCCA1sCAQEx";
const SCOPED_TOKEN = "PlantedScopedToken-MIIDbgYJKoZIhvcNAQcCoIIDXzCCA1sC";
const UNKNOWN_TOKEN = "PlantedUnknownToken-MIIDbgYJKoZIhvcNAQcCoIIDXzCC";
const PASSWORD = "PlantedPassword-Tr0ub4dor&3-correct";
const WRONG_PASSWORD = "PlantedWrongPassword-hunter2-horse";

const PROJECT = { id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", name: "eu-west-0" };
const OTHER_PROJECT = { id: "f0e1d2c3b4a5968778695a4b3c2d1e0f", name: "eu-west-101" };
const CLUSTER = { id: "7c1d2c4e-1b3f-11ef-9e2a-0255ac100777", projectId: PROJECT.id, publicIp: false, version: "v1.28" };
const USER = { domain: "planted-domain", name: "planted-user", password: PASSWORD };

/** A key that belongs to no certificate (planted too: it is handed to the provider as a client key). */
const STRAY_KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString();

type HostName = "args" | "wrongPassword" | "password";

interface Case {
    name: string;
    /** Which host runs it (they differ in stack config, read once per host). Default "args". */
    host?: HostName;
    /** Replaces the default resource args entirely when `bare`; otherwise merged over the defaults. */
    args?: Record<string, unknown>;
    bare?: boolean;
    /** Default-arg keys to drop. */
    drop?: string[];
    /** Faults and settings before the case (undone after each case). */
    setup?: (emu: CceEmulator) => void;
    /** "check": refused by check (one failure, on `property`); "create": refused by create. */
    phase: "check" | "create";
    property?: string;
    expect: RegExp;
    /** clustercert calls the case must cause (create cases); default: not checked. */
    certCalls?: number;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** A kubeconfig mutation that leaves the minted key in the answer (so it must not leak) and changes something else. */
const mutate = (fn: (kc: KubeconfigJson) => unknown) => faults.kubeconfig(fn, { route: "clustercert" });

const CASES: Case[] = [
    // ---- every invalid argument: refused by check, before any call --------------------------
    { name: "clusterId missing", phase: "check", drop: ["clusterId"], property: "clusterId", expect: /clusterId is required/ },
    { name: "clusterId empty", phase: "check", args: { clusterId: "" }, property: "clusterId", expect: /clusterId must not be empty/ },
    { name: "clusterId with a path", phase: "check", args: { clusterId: "../x" }, property: "clusterId", expect: /clusterId "\.\.\/x" is not a valid id/ },
    { name: "clusterId not a string", phase: "check", args: { clusterId: 42 }, property: "clusterId", expect: /clusterId must be a string, got number/ },
    { name: "projectId with a slash", phase: "check", args: { projectId: "a/b" }, property: "projectId", expect: /projectId "a\/b" is not a valid id/ },
    { name: "region malformed", phase: "check", args: { region: "EU_WEST" }, property: "region", expect: /region "EU_WEST" is not a region name/ },
    { name: "duration 0", phase: "check", args: { duration: 0 }, property: "duration", expect: /duration must be -1 .* from 1 to 1827, got 0/ },
    { name: "duration above 1827", phase: "check", args: { duration: 1828 }, property: "duration", expect: /got 1828/ },
    { name: "duration fractional", phase: "check", args: { duration: 1.5 }, property: "duration", expect: /got 1\.5/ },
    { name: "duration -2", phase: "check", args: { duration: -2 }, property: "duration", expect: /got -2/ },
    { name: "duration a string", phase: "check", args: { duration: "365" }, property: "duration", expect: /got "365"/ },
    { name: "expiresAt not RFC 3339", phase: "check", drop: ["duration"], args: { expiresAt: "tomorrow" }, property: "expiresAt", expect: /expiresAt must be an existing RFC 3339 date or time/ },
    { name: "expiresAt in 10 minutes", phase: "check", drop: ["duration"], args: { expiresAt: inMinutes(10) }, property: "expiresAt", expect: /between 15 minutes and 5 years from now/ },
    { name: "expiresAt in the past", phase: "check", drop: ["duration"], args: { expiresAt: "2020-01-01" }, property: "expiresAt", expect: /between 15 minutes and 5 years from now/ },
    { name: "expiresAt beyond 5 years", phase: "check", drop: ["duration"], args: { expiresAt: new Date(Date.now() + 6 * 366 * DAY_MS).toISOString() }, property: "expiresAt", expect: /between 15 minutes and 5 years/ },
    { name: "expiresAt with duration", phase: "check", args: { expiresAt: inMinutes(60 * 24 * 10) }, property: "expiresAt", expect: /either duration or expiresAt, not both/ },
    { name: "expiresAt with legacyApi", phase: "check", drop: ["duration"], args: { expiresAt: inMinutes(60 * 24 * 10), legacyApi: true }, property: "expiresAt", expect: /legacyApi takes no expiry/ },
    { name: "endpoint plain http", phase: "check", args: { endpoint: "http://cce.example.com" }, property: "endpoint", expect: /endpoint must use https:\/\// },
    { name: "endpoint not a URL", phase: "check", args: { endpoint: "cce eu-west-0" }, property: "endpoint", expect: /is not a URL/ },
    { name: "endpoint other scheme", phase: "check", args: { endpoint: "ftp://cce.example.com" }, property: "endpoint", expect: /must be an https:\/\/ URL/ },
    { name: "endpoint with query", phase: "check", args: { endpoint: "https://cce.example.com/?x=1" }, property: "endpoint", expect: /must not have a query or fragment/ },
    { name: "endpoint with user info", phase: "check", args: { endpoint: "https://someone:notplanted@cce.example.com" }, property: "endpoint", expect: /must not contain user info \(user:password@\)/ },
    { name: "iamEndpoint plain http", phase: "check", args: { iamEndpoint: "http://iam.example.com" }, property: "iamEndpoint", expect: /iamEndpoint must use https:\/\// },
    { name: "context unknown", phase: "check", args: { context: "public" }, property: "context", expect: /context must be "internal" or "external", got "public"/ },
    { name: "renewBeforeDays negative", phase: "check", args: { renewBeforeDays: -1 }, property: "renewBeforeDays", expect: /renewBeforeDays must be an integer from 0 to 1826/ },
    { name: "renewBeforeDays fractional", phase: "check", args: { renewBeforeDays: 2.5 }, property: "renewBeforeDays", expect: /renewBeforeDays must be an integer/ },
    { name: "maxRetries too large", phase: "check", args: { maxRetries: 21 }, property: "maxRetries", expect: /maxRetries must be an integer from 0 to 20, got 21/ },
    { name: "timeoutSeconds 0", phase: "check", args: { timeoutSeconds: 0 }, property: "timeoutSeconds", expect: /timeoutSeconds must be an integer from 1 to 600, got 0/ },
    { name: "legacyApi not boolean", phase: "check", args: { legacyApi: "yes" }, property: "legacyApi", expect: /legacyApi must be true or false/ },
    { name: "revokeOnDelete not boolean", phase: "check", args: { revokeOnDelete: 1 }, property: "revokeOnDelete", expect: /revokeOnDelete must be true or false/ },
    { name: "mode unknown", phase: "check", args: { mode: "token" }, property: "mode", expect: /mode must be "certificate" or "exec"/ },
    { name: "unknown argument", phase: "check", args: { clusterID: "x" }, property: "clusterID", expect: /unknown argument "clusterID"/ },
    { name: "accessKey without secretKey", phase: "check", drop: ["secretKey"], property: "secretKey", expect: /accessKey and secretKey must be given together/ },
    { name: "secretKey without accessKey", phase: "check", drop: ["accessKey"], property: "accessKey", expect: /accessKey and secretKey must be given together/ },
    { name: "securityToken without AK/SK", phase: "check", drop: ["accessKey", "secretKey"], args: { securityToken: SECURITY_TOKEN }, property: "securityToken", expect: /securityToken needs accessKey and secretKey/ },
    { name: "authToken empty", phase: "check", drop: ["accessKey", "secretKey"], args: { authToken: "" }, property: "authToken", expect: /authToken must be a non-empty string/ },

    // ---- settings and credentials ----------------------------------------------------------
    {
        name: "missing credentials", phase: "create", drop: ["accessKey", "secretKey"], certCalls: 0,
        expect: /no Huawei Cloud credentials found\. Looked in, in order: ClusterCert args accessKey\/secretKey.*; stack config huaweicloud:accessKey.*; env HW_ACCESS_KEY.*; env HUAWEICLOUD_SDK_AK.*; env CLOUD_SDK_AK\/CLOUD_SDK_SK; IAM password: .*HW_USER_PASSWORD/,
    },
    { name: "no region and no projectId", phase: "create", drop: ["projectId"], certCalls: 0, expect: /region is not set: pass `region` to the ClusterCert, run `pulumi config set huaweicloud:region/ },
    { name: "no project named after the region", phase: "create", drop: ["projectId"], args: { region: "ap-southeast-9", iamEndpoint: "{emu}" }, certCalls: 0, expect: /IAM knows no project named "ap-southeast-9" for these credentials: set projectId/ },
    { name: "wrong secret key (401)", phase: "create", args: { secretKey: WRONG_SK }, certCalls: 1, expect: /CCE clustercert failed: 401 APIGW\.0301 "Incorrect IAM authentication information: verify aksk signature fail" \(request id [0-9a-f-]+\)\. Authentication failed: check the access key\/secret key/ },
    { name: "unknown access key (401)", phase: "create", args: { accessKey: UNKNOWN_AK }, certCalls: 1, expect: /401 APIGW\.0301 "Incorrect IAM authentication information: the access key does not exist"/ },
    { name: "unknown auth token (401)", phase: "create", drop: ["accessKey", "secretKey"], args: { authToken: UNKNOWN_TOKEN }, certCalls: 1, expect: /401 APIGW\.0301 "Incorrect IAM authentication information: decrypt token fail"/ },
    { name: "expired auth token (401)", phase: "create", drop: ["accessKey", "secretKey"], args: { authToken: EXPIRED_TOKEN }, certCalls: 1, expect: /401 APIGW\.0301 "Incorrect IAM authentication information: token expires"/ },
    { name: "temporary AK/SK without its security token (401)", phase: "create", args: { accessKey: TMP_AK, secretKey: TMP_SK }, certCalls: 1, expect: /401 APIGW\.0301 .*temporary credentials need the X-Security-Token header/ },
    { name: "temporary AK/SK with a wrong security token (401)", phase: "create", args: { accessKey: TMP_AK, secretKey: TMP_SK, securityToken: WRONG_SECURITY_TOKEN }, certCalls: 1, expect: /401 APIGW\.0301 .*the security token is invalid/ },
    {
        name: "clock skew: X-Sdk-Date rejected (401)", phase: "create", certCalls: 1,
        setup: (emu) => emu.configure({ now: () => new Date(Date.now() + 60 * 60 * 1000) }),
        expect: /401 APIGW\.0301 .*clock skew.*Authentication failed: .*this machine's clock is right/,
    },
    { name: "wrong IAM password (401 from IAM)", host: "wrongPassword", phase: "create", drop: ["accessKey", "secretKey"], args: { iamEndpoint: "{emu}" }, certCalls: 0, expect: /IAM token failed: 401 "The username or password is wrong\." \(request id [0-9a-f-]+\)\. IAM rejected the password login: check the user name, password and account \(domain\) name/ },
    {
        name: "IAM answers without X-Subject-Token", host: "password", phase: "create", drop: ["accessKey", "secretKey"], args: { iamEndpoint: "{emu}" }, certCalls: 0,
        setup: (emu) => emu.inject(faults.respond(201, '{"token":{}}', { "Content-Type": "application/json" }, { route: "iam-tokens" })),
        expect: /IAM token: the API answered 201 but has no X-Subject-Token header/,
    },
    {
        name: "IAM down (503 HTML page)", host: "password", phase: "create", drop: ["accessKey", "secretKey"], args: { iamEndpoint: "{emu}" }, certCalls: 0,
        setup: (emu) => emu.inject(faults.html(503, "503 Service Temporarily Unavailable", { route: "iam-tokens" })),
        expect: /IAM token failed: 503 \(a text\/html body of \d+ bytes titled "503 Service Temporarily Unavailable"\)/,
    },

    // ---- the cloud refuses -----------------------------------------------------------------
    { name: "missing cluster (404)", phase: "create", args: { clusterId: "no-such-cluster" }, certCalls: 1, expect: /404 CCE\.01404001 "Resource not found: cluster no-such-cluster does not exist in project .*Not found: check clusterId, projectId and the region/ },
    { name: "missing project (404)", phase: "create", args: { projectId: "00000000000000000000000000000000" }, certCalls: 1, expect: /404 CCE\.01404001 "Resource not found: project 0+ does not exist"/ },
    { name: "no permission (403)", phase: "create", args: { accessKey: DENIED_AK, secretKey: DENIED_SK }, certCalls: 1, expect: /403 CCE\.01403001 .*Permission denied: the IAM user or agency needs the action cce:cluster:generateClientCredential/ },
    { name: "token scoped to another project (403)", phase: "create", drop: ["accessKey", "secretKey"], args: { authToken: SCOPED_TOKEN }, certCalls: 1, expect: /403 CCE\.01403001 "Forbidden: the token is scoped to another project/ },
    {
        name: "throttled until the retries run out (429)", phase: "create", args: { maxRetries: 2 }, certCalls: 3,
        setup: (emu) => emu.inject(faults.throttled({ route: "clustercert", times: Infinity, retryAfter: 0 })),
        expect: /429 APIGW\.0308 .* after 3 attempts\. The API gateway throttled the request and the retries ran out: lower the parallelism/,
    },
    {
        name: "bad request (400, code/message shape)", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.codeMessage(400, "CCE.01400001", "Invalid request body: duration out of range", { route: "clustercert" })),
        expect: /400 CCE\.01400001 "Invalid request body: duration out of range".*check duration\/expiresAt and the cluster version/,
    },
    {
        name: "IAM-style nested error (401)", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.nestedError(401, 401, "The request you have made requires authentication.", { route: "clustercert" })),
        expect: /CCE clustercert failed: 401 "The request you have made requires authentication\."/,
    },
    {
        name: "unpublished API (404 APIGW.0101)", phase: "create", certCalls: 2,
        setup: (emu) => emu.inject(faults.gatewayError(404, "APIGW.0101", "The API does not exist or has not been published in the environment", { route: "clustercert", times: 2 })),
        expect: /404 APIGW\.0101 "The API does not exist or has not been published/,
    },
    {
        name: "service error (500)", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.cceError(500, "CCE.01500001", "Internal server error", { route: "clustercert" })),
        expect: /500 CCE\.01500001 "Internal server error".*The service failed: retry later/,
    },
    {
        name: "HTML error page (502)", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.html(502, "502 Bad Gateway", { route: "clustercert" })),
        expect: /CCE clustercert failed: 502 \(a text\/html body of \d+ bytes titled "502 Bad Gateway"\)/,
    },
    {
        name: "empty 503", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.respond(503, "", {}, { route: "clustercert" })),
        expect: /CCE clustercert failed: 503 \(an empty body\)/,
    },

    // ---- the network fails -----------------------------------------------------------------
    {
        name: "server never answers", phase: "create", args: { timeoutSeconds: 1 }, certCalls: 1,
        setup: (emu) => emu.inject(faults.hang({ route: "clustercert" })),
        expect: /CCE clustercert failed: no answer from https:\/\/127\.0\.0\.1:\d+ \(timed out.*\)\. Check the endpoint/,
    },
    {
        name: "connection reset", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.reset({ route: "clustercert" })),
        expect: /no answer from https:\/\/127\.0\.0\.1:\d+ \(connection reset/,
    },
    {
        name: "connection dies mid-answer", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.truncatedTransfer('{"kind":"Config","users":[]}', 9, 200, { route: "clustercert" })),
        expect: /no answer from https:\/\/127\.0\.0\.1:\d+ \((connection reset|network error)/,
    },
    { name: "connection refused", phase: "create", args: { endpoint: "https://127.0.0.1:1" }, expect: /no answer from https:\/\/127\.0\.0\.1:1 \(connection refused, ECONNREFUSED\)/ },
    { name: "untrusted TLS certificate", phase: "create", args: { endpoint: "{kube}" }, expect: /no answer from https:\/\/127\.0\.0\.1:\d+ \(TLS certificate not trusted, .+\)\. .*NODE_EXTRA_CA_CERTS/ },

    // ---- 200 answers that cannot be used ---------------------------------------------------
    {
        name: "truncated JSON", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.truncatedJson(200, { route: "clustercert" })),
        expect: /CCE clustercert: the API answered 200 but the body is not valid JSON \(\d+ bytes\) \(request id [0-9a-f-]+\)\. This is a cloud-side fault/,
    },
    {
        name: "HTML page with 200", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.respond(200, "<html><head><title>Login</title></head></html>", { "Content-Type": "text/html" }, { route: "clustercert" })),
        expect: /the API answered 200 but the body is not valid JSON/,
    },
    {
        name: "not a kubeconfig", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(mutate(() => ({ kind: "Status", apiVersion: "v1" }))),
        expect: /the API answered 200 but "kind" is "Status", not "Config"/,
    },
    {
        name: "answer with no users", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(mutate((kc) => ({ ...kc, users: [] }))),
        expect: /the API answered 200 but the answer has no users/,
    },
    {
        name: "answer with no clusters", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(mutate((kc) => ({ ...kc, clusters: [] }))),
        expect: /the API answered 200 but the answer has no clusters/,
    },
    {
        name: "answer with no contexts", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(mutate((kc) => ({ ...kc, contexts: [] }))),
        expect: /the API answered 200 but the answer has no contexts/,
    },
    {
        name: "current-context names no context", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(mutate((kc) => ({ ...kc, "current-context": "elsewhere" }))),
        expect: /"current-context" "elsewhere" is not one of the contexts/,
    },
    {
        name: "client certificate not base64", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.kubeconfig("bad-base64", { route: "clustercert" })),
        expect: /the API answered 200 but client-certificate-data of user "user" is not valid base64/,
    },
    {
        name: "client key not PEM", phase: "create", certCalls: 1,
        setup: (emu) =>
            emu.inject(mutate((kc) => {
                for (const u of kc.users) u.user["client-key-data"] = b64("not a key");
            })),
        expect: /client-key-data of user "user" does not decode to PEM data/,
    },
    {
        name: "key that does not match its certificate", phase: "create", certCalls: 1,
        setup: (emu) =>
            emu.inject(mutate((kc) => {
                for (const u of kc.users) u.user["client-key-data"] = b64(STRAY_KEY);
            })),
        expect: /the API answered 200 but the client key does not match the client certificate/,
    },
    {
        name: "expired certificate from the server", phase: "create", certCalls: 1,
        setup: (emu) => emu.inject(faults.kubeconfig("expired-cert", { route: "clustercert" })),
        expect: /the API answered 200 but the client certificate it issued already expired at \d{4}-\d{2}-\d{2}T/,
    },
    {
        name: "CA data that is not a certificate", phase: "create", certCalls: 1,
        setup: (emu) =>
            emu.inject(mutate((kc) => {
                for (const c of kc.clusters) if (c.cluster["certificate-authority-data"] !== undefined) c.cluster["certificate-authority-data"] = b64(STRAY_KEY);
            })),
        expect: /certificate-authority-data of cluster "internalCluster" holds a private key: refused/,
    },
    {
        name: "server URL missing", phase: "create", certCalls: 1,
        setup: (emu) =>
            emu.inject(mutate((kc) => {
                for (const c of kc.clusters) delete (c.cluster as { server?: string }).server;
            })),
        expect: /clusters\[0\] \("internalCluster"\) has no server URL/,
    },
    {
        name: "external context asked, cluster has no public IP", phase: "create", args: { context: "external" }, certCalls: 1,
        expect: /context "external" is not in the API answer \(the cluster has no public IP \(EIP\) bound/,
    },
];

describe("lifecycle: bad input and bad answers through the real host", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    const hosts = new Map<HostName, Engine>();
    const messages: string[] = [];
    const providerTexts = new Set<string>();
    const successOutputs: string[] = [];
    const cert = (): string[] => emu.cluster(CLUSTER.id).certificates().flatMap((c) => pemForms(c.keyPem));
    const planted = (): string[] => [
        AK, SK, WRONG_SK, UNKNOWN_AK, TMP_AK, TMP_SK, SECURITY_TOKEN, WRONG_SECURITY_TOKEN, DENIED_AK, DENIED_SK,
        AUTH_TOKEN, EXPIRED_TOKEN, SCOPED_TOKEN, UNKNOWN_TOKEN, PASSWORD, WRONG_PASSWORD, ...pemForms(STRAY_KEY), ...cert(),
    ];

    before(async () => {
        emu = await CceEmulator.start({
            projects: [PROJECT, OTHER_PROJECT],
            clusters: [CLUSTER],
            credentials: [
                { accessKey: AK, secretKey: SK },
                { accessKey: TMP_AK, secretKey: TMP_SK, securityToken: SECURITY_TOKEN },
                { accessKey: DENIED_AK, secretKey: DENIED_SK, projectIds: [OTHER_PROJECT.id] },
            ],
            tokens: [AUTH_TOKEN, { token: EXPIRED_TOKEN, expiresAt: new Date(Date.now() - DAY_MS) }, { token: SCOPED_TOKEN, projectId: OTHER_PROJECT.id }],
            passwordUsers: [USER],
        });
        const password = (pw: string) => ({
            "huaweicloud:region": PROJECT.name,
            "huaweicloud:domainName": USER.domain,
            "huaweicloud:userName": USER.name,
            "huaweicloud:password": secret(pw),
        });
        const [args, wrong, right] = await Promise.all([
            // No credential and no region anywhere but the resource args.
            Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: {} }),
            Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: password(WRONG_PASSWORD) }),
            Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: password(PASSWORD) }),
        ]);
        hosts.set("args", args).set("wrongPassword", wrong).set("password", right);
    });

    after(async () => {
        try {
            if (emu && hosts.size > 0) {
                // Once more over everything, with every key minted during the run, after the hosts
                // exited: then every line they printed has arrived.
                await Promise.all([...hosts.values()].map((h) => h.stop()));
                const secrets = planted();
                for (const [name, h] of hosts) assertNoSecret(h.host.logs().join("\n"), secrets, `the log of host "${name}"`);
                for (const m of messages) assertNoSecret(m, secrets, "an error message");
                for (const t of providerTexts) assertNoSecret(t, secrets, "the serialized provider");
                for (const o of successOutputs) assertNoSecret(o, secrets, "non-secret outputs");
            }
        } finally {
            await Promise.all([...hosts.values()].map((h) => h.stop()));
            await emu?.stop();
        }
    });

    afterEach(() => {
        emu.clearFaults();
        emu.configure({ now: () => new Date() });
    });

    it(`has at least 40 cases (${CASES.length})`, () => {
        assert.ok(CASES.length >= 40);
        assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, "case names are unique");
    });

    /** The default args of a case: planted AK/SK as (secret) resource args, a fast failure. */
    function argsOf(c: Case): Record<string, unknown> {
        const defaults: Record<string, unknown> = {
            clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, duration: 30, maxRetries: 0, accessKey: AK, secretKey: SK,
        };
        const out: Record<string, unknown> = c.bare ? {} : { ...defaults };
        for (const k of c.drop ?? []) delete out[k];
        for (const [k, v] of Object.entries(c.args ?? {})) {
            out[k] = v === "{emu}" ? emu.url : v === "{kube}" ? emu.cluster(CLUSTER.id).internalUrl : v;
        }
        return out;
    }

    CASES.forEach((c, i) => {
        it(`${String(i + 1).padStart(2, "0")} ${c.phase}: ${c.name}`, async () => {
            const engine = hosts.get(c.host ?? "args")!;
            c.setup?.(emu);
            const inputs: PropertyMap = await registered(argsOf(c) as never, `case${i}`);
            providerTexts.add(String(inputs.__provider));
            const logFrom = engine.host.logs().length;
            const callsFrom = emu.calls.entries.length;
            let error: unknown;
            try {
                const res = await up(engine, undefined, inputs, `case${i}`);
                successOutputs.push(nonSecretOutputs(res.state));
            } catch (e) {
                error = e;
            }
            assert.ok(error instanceof Error, `the case must fail, got ${String(error)}`);
            const message = error.message;
            messages.push(message);
            const calls = emu.calls.entries.slice(callsFrom).filter((r) => r.route === "clustercert").length;
            if (c.phase === "check") {
                assert.ok(error instanceof CheckFailedError, `refused by check, got ${error.name}: ${message}`);
                assert.equal(error.failures.length, 1, `exactly one failure: ${message}`);
                assert.equal(error.failures[0]!.property, c.property);
                assert.match(error.failures[0]!.reason, c.expect);
                assert.equal(calls, 0, "no API call");
            } else {
                assert.ok(!(error instanceof CheckFailedError), `passes check, got: ${message}`);
                assert.match(message, c.expect);
                if (c.certCalls !== undefined) assert.equal(calls, c.certCalls, `clustercert calls of "${c.name}"`);
                assert.doesNotMatch(message, /\n\s+at /, "a message, not a stack trace");
                assert.ok(message.length < 700, `one short message (${message.length} chars)`);
            }
            // Lines may still arrive: the after hook checks the complete logs once the hosts exited.
            const secrets = planted();
            assertNoSecret(message, secrets, "the error");
            assertNoSecret(engine.host.logs().slice(logFrom).join("\n"), secrets, "the host's log");
            assertNoSecret(String(inputs.__provider), secrets, "the serialized provider");
            assert.ok(!String(inputs.__provider).includes("PLANTED"), "no credential in the serialized provider");
        });
    });

    it("a valid temporary credential and a valid password work, and their secrets stay out of every non-secret output", async () => {
        const base = { clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30 };
        const a = await up(hosts.get("args")!, undefined, await registered({ ...base, accessKey: TMP_AK, secretKey: TMP_SK, securityToken: SECURITY_TOKEN }, "okTmp"), "okTmp");
        const b = await up(hosts.get("password")!, undefined, await registered(base, "okPw"), "okPw");
        const c = await up(hosts.get("args")!, undefined, await registered({ ...base, authToken: AUTH_TOKEN }, "okToken"), "okToken");
        for (const r of [a, b, c]) {
            for (const k of DOCUMENTED_SECRET_OUTPUTS) assert.ok(r.state.secretOutputs.has(k), `${k} is stored as a secret`);
            const key = r.state.outputs.clientKey as string;
            assert.ok(cert().includes(key.trim()), "the output key is one the emulator minted");
            successOutputs.push(nonSecretOutputs(r.state));
            assertNoSecret(nonSecretOutputs(r.state), planted(), "non-secret outputs");
            for (const k of ["accessKey", "secretKey", "securityToken", "authToken"]) assert.ok(!(k in r.state.outputs), `${k} is never an output`);
        }
    });
});
