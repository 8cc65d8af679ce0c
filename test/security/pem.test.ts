/**
 * Security class 5, PEM hygiene: the CA output, the kubeconfig's CA data and `ca.crt` hold only
 * CERTIFICATE blocks; a private key found where certificates belong (an answer's certificate data,
 * `--ca-file`) is refused; key data holds exactly one unencrypted key; a certificate not yet valid
 * beyond the clock-skew allowance is refused with both dates. Provider cases run check + create
 * through the REAL dynamic-provider host; CLI cases run the built binary. The oracle for "only
 * certificates" is node's X509Certificate over a strict canonical-PEM pattern, not provider/kube/pem.ts.
 */
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { faults, type CceEmulator, type KubeconfigJson } from "../emulator";
import type { MutationHelpers } from "../emulator/faults";
import { assertNoSecret, pemForms, registered, up } from "../harness/clustercert";
import type { Engine, ResourceState } from "../harness/engine";
import { cliEnv, runCli, runProcess, type Result } from "../cli/run-cli";
import { AK, CLUSTER, PROJECT, SK, assertOneSafeLine, attempt, certCalls, defaultArgs, failure, startEmulator, startEngine, type Outcome } from "./support";

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const unb64 = (data: string): string => Buffer.from(data, "base64").toString("utf8");
const DAY_MS = 86_400_000;
/** Where `rejectUnauthorized` cannot matter: the CLI never connects to `--server` when rendering. */
const SERVER = "https://127.0.0.1:6443";

/** A strict canonical PEM certificate block: 64-character base64 lines, `\n` endings. */
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/]{1,63}={0,2}\n-----END CERTIFICATE-----\n|-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/]{64}\n)+-----END CERTIFICATE-----\n/g;

/** The SHA-256 fingerprints of `text`, which must be nothing but canonical CERTIFICATE blocks that parse. */
function onlyCertificates(text: string, where: string): string[] {
    const blocks = text.match(CERT_BLOCK) ?? [];
    assert.equal(blocks.join(""), text, `${where} holds something besides canonical CERTIFICATE blocks`);
    assert.ok(blocks.length > 0, `${where} holds no certificate`);
    return blocks.map((b) => new X509Certificate(b).fingerprint256);
}

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** The PEM of a kubeconfig `*-data` field of the answer. */
const userPem = (kc: KubeconfigJson, field: "client-certificate-data" | "client-key-data"): string => unb64((kc.users[0] as KubeconfigJson["users"][number]).user[field]);
const clusterNamed = (kc: KubeconfigJson, name: string) => kc.clusters.find((c) => c.name === name) as KubeconfigJson["clusters"][number];
/** Sets a `*-data` field of the answer's user, or the internal cluster's CA data, to base64 of `pem`. */
const setUser = (kc: KubeconfigJson, field: "client-certificate-data" | "client-key-data", pem: string): void => {
    (kc.users[0] as KubeconfigJson["users"][number]).user[field] = b64(pem);
};
const setCa = (kc: KubeconfigJson, pem: string): void => {
    clusterNamed(kc, "internalCluster").cluster["certificate-authority-data"] = b64(pem);
};

/** The minted RSA key of the answer, re-encoded (PKCS#1, or encrypted with a passphrase). */
function exportKey(keyPem: string, how: "pkcs8-encrypted" | "pkcs1-encrypted"): string {
    const key = createPrivateKey(keyPem);
    const type = how === "pkcs8-encrypted" ? "pkcs8" : "pkcs1";
    return key.export({ type, format: "pem", cipher: "aes-256-cbc", passphrase: "not-a-planted-secret" }).toString();
}

/** A key that belongs to nothing, planted in answers (it must not leak either). */
const STRAY_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const BEGIN_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

describe("security 5: PEM hygiene", function () {
    this.timeout(240_000);
    let emu: CceEmulator;
    let engine: Engine;
    let work: string;
    /** Every private key in play: planted ones and every key the emulator minted (handed out in answers). */
    const planted: string[] = [];
    const keys = (): string[] => [STRAY_KEY, ...planted, ...emu.cluster(CLUSTER.id).certificates().map((c) => c.keyPem)];
    const mutate = (fn: (kc: KubeconfigJson, helpers: MutationHelpers) => unknown): void => {
        emu.inject(faults.kubeconfig(fn, { route: "clustercert" }));
    };
    const caPem = (): string => emu.cluster(CLUSTER.id).caCertPem;

    before(async () => {
        emu = await startEmulator();
        engine = await startEngine(emu, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-pem-"));
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    /** The one clustercert call of the outcome, and its request id. */
    function requestIdOf(o: Outcome): string {
        assert.equal(certCalls(o), 1, "exactly one clustercert call");
        return (o.calls.find((c) => c.route === "clustercert") as { requestId: string }).requestId;
    }

    /** No private key, in any form, in the error or the host's log; the error is one safe line. */
    function assertNoKeyLeak(o: Outcome): void {
        const texts = [failure(o), ...o.logs];
        for (const t of texts) {
            assert.doesNotMatch(t, BEGIN_KEY, "a private-key PEM header in the error or the log");
            for (const k of keys()) assertNoSecret(t, pemForms(k), "the error or the host log");
        }
        assert.doesNotMatch(failure(o), /[A-Za-z0-9+/]{48,}/, "no long base64 run in the error");
        assertOneSafeLine(failure(o), "the error");
    }

    /** The exact refusal of a malformed 200 answer: `what` between the provider's fixed words, one call, nothing created, no key leaked. */
    function assertRefused(o: Outcome, what: string): void {
        const rid = requestIdOf(o);
        assert.equal(
            failure(o),
            `CCE clustercert: the API answered 200 but ${what} (request id ${rid}). This is a cloud-side fault; retry, and report the request id if it persists.`,
        );
        assert.equal(o.state, undefined);
        assertNoKeyLeak(o);
    }

    describe("provider: certificate fields hold certificates only", () => {
        it("refuses client-certificate-data with the private key bundled after the certificate", async () => {
            mutate((kc) => {
                setUser(kc, "client-certificate-data", userPem(kc, "client-certificate-data") + userPem(kc, "client-key-data"));
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-certificate-data of user "user" holds a private key: refused (a certificate field must hold certificates only)');
        });

        it("refuses CA data that is the CA certificate followed by a private key", async () => {
            mutate((kc) => {
                setCa(kc, caPem() + userPem(kc, "client-key-data"));
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'certificate-authority-data of cluster "internalCluster" holds a private key: refused (a certificate field must hold certificates only)');
        });

        it("refuses a private key in the CA data of a cluster the chosen context does not use", async () => {
            mutate((kc) => {
                setCa(kc, `${STRAY_KEY}${caPem()}`);
            });
            assertRefused(
                await attempt(engine, emu, defaultArgs(emu, { context: "external" })),
                'certificate-authority-data of cluster "internalCluster" holds a private key: refused (a certificate field must hold certificates only)',
            );
        });

        it("refuses a private key relabelled CERTIFICATE in the CA data (it does not parse as a certificate)", async () => {
            mutate((kc) => {
                const disguised = STRAY_KEY.replace(/RSA PRIVATE KEY/g, "CERTIFICATE");
                setCa(kc, caPem() + disguised);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'certificate-authority-data of cluster "internalCluster" is not a valid PEM X.509 certificate');
        });

        it("refuses a key smuggled into the CA data between BEGIN CERTIFICATE and END RSA PRIVATE KEY", async () => {
            mutate((kc) => {
                const smuggled = STRAY_KEY.replace("BEGIN RSA PRIVATE KEY", "BEGIN CERTIFICATE");
                setCa(kc, caPem() + smuggled);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'certificate-authority-data of cluster "internalCluster" has a PEM block that begins as CERTIFICATE and ends as RSA PRIVATE KEY');
        });

        it("refuses a key appended to the CA certificate's DER inside its one CERTIFICATE block", async () => {
            mutate((kc) => {
                const der = (pem: string): Buffer => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
                const joined = Buffer.concat([der(caPem()), der(STRAY_KEY)]).toString("base64").replace(/.{64}/g, "$&\n");
                setCa(kc, `-----BEGIN CERTIFICATE-----\n${joined}\n-----END CERTIFICATE-----\n`);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'certificate-authority-data of cluster "internalCluster" is not a valid PEM X.509 certificate');
        });

        it("accepts CA data with junk around and between blocks: the output and the kubeconfig's CA data hold the certificates only", async () => {
            let other = "";
            mutate(async (kc, helpers) => {
                other = await helpers.otherCaPem();
                const junk = `Subject: CN=kubernetes\nissuer=whoever: not PEM\r\n${caPem().replace(/\n/g, "\r\n")}\n# comment between blocks: ok\n\n${other}trailing junk without newline`;
                setCa(kc, junk);
            });
            const o = await attempt(engine, emu, defaultArgs(emu, { context: "internal" }));
            assert.equal(o.error, undefined, o.error?.message);
            const want = [fingerprint(caPem()), fingerprint(other)];
            assert.deepEqual(onlyCertificates(o.state?.outputs.clusterCaCertificate as string, "the clusterCaCertificate output"), want);
            const kc = YAML.parse(o.state?.outputs.kubeconfig as string, { version: "1.1" }) as KubeconfigJson;
            assert.deepEqual(onlyCertificates(unb64(clusterNamed(kc, "internalCluster").cluster["certificate-authority-data"] as string), "the kubeconfig's CA data"), want);
            assert.equal(clusterNamed(kc, "externalCluster").cluster["certificate-authority-data"], undefined);
            assert.equal(onlyCertificates(unb64(kc.users[0]?.user["client-certificate-data"] as string), "client-certificate-data").length, 1);
            assert.equal(requestIdOf(o).length, 36);
        });

        it("accepts client-certificate-data with junk around the certificate: clientCertificate is that certificate alone", async () => {
            let cert = "";
            mutate((kc) => {
                cert = userPem(kc, "client-certificate-data");
                setUser(kc, "client-certificate-data", `subject=CN = someone\n${cert}\nnot a block\n`);
            });
            const o = await attempt(engine, emu, defaultArgs(emu));
            assert.equal(o.error, undefined, o.error?.message);
            assert.deepEqual(onlyCertificates(o.state?.outputs.clientCertificate as string, "the clientCertificate output"), [fingerprint(cert)]);
            assert.equal(o.state?.outputs.fingerprint, fingerprint(cert));
        });
    });

    describe("provider: key fields hold exactly one unencrypted key", () => {
        it("refuses client-key-data holding two keys", async () => {
            mutate((kc) => {
                setUser(kc, "client-key-data", userPem(kc, "client-key-data") + STRAY_KEY);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-key-data of user "user" holds 2 PEM private keys: exactly one is needed');
        });

        it("refuses an ENCRYPTED PRIVATE KEY (PKCS#8 with a passphrase)", async () => {
            mutate((kc) => {
                const encrypted = exportKey(userPem(kc, "client-key-data"), "pkcs8-encrypted");
                planted.push(encrypted);
                assert.match(encrypted, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
                setUser(kc, "client-key-data", encrypted);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-key-data of user "user" is an encrypted private key, which kubectl cannot use');
        });

        it("refuses key data holding the certificate and the key", async () => {
            mutate((kc) => {
                setUser(kc, "client-key-data", userPem(kc, "client-certificate-data") + userPem(kc, "client-key-data"));
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-key-data of user "user" holds other PEM blocks besides the private key');
        });

        it("refuses a PEM block with headers (Proc-Type: 4,ENCRYPTED)", async () => {
            mutate((kc) => {
                const legacy = exportKey(userPem(kc, "client-key-data"), "pkcs1-encrypted");
                planted.push(legacy);
                assert.match(legacy, /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,/);
                setUser(kc, "client-key-data", legacy);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-key-data of user "user" has a PEM block with headers (an encrypted RSA PRIVATE KEY?), which cannot be used');
        });

        it("refuses mismatched BEGIN/END labels in the key data", async () => {
            mutate((kc) => {
                const key = userPem(kc, "client-key-data").replace("END RSA PRIVATE KEY", "END PRIVATE KEY");
                setUser(kc, "client-key-data", key);
            });
            assertRefused(await attempt(engine, emu, defaultArgs(emu)), 'client-key-data of user "user" has a PEM block that begins as RSA PRIVATE KEY and ends as PRIVATE KEY');
        });
    });

    describe("provider: a certificate not yet valid", () => {
        /** Serves a certificate for the same user, signed by the cluster CA, valid from `startsIn` ms from now for 30 days; returns its dates. */
        function serveCertificateStartingIn(startsIn: number): { notBefore: () => string; notAfter: () => string } {
            let cert: X509Certificate | undefined;
            mutate(async (kc, helpers) => {
                const start = Date.now() + startsIn;
                const minted = await helpers.certValid(new Date(start), new Date(start + 30 * DAY_MS));
                cert = new X509Certificate(minted.certPem);
                setUser(kc, "client-certificate-data", minted.certPem);
                setUser(kc, "client-key-data", minted.keyPem);
            });
            return {
                notBefore: () => new Date((cert as X509Certificate).validFrom).toISOString(),
                notAfter: () => new Date((cert as X509Certificate).validTo).toISOString(),
            };
        }

        /** Refused: the message names the certificate's start and this machine's time (taken during the attempt). */
        async function assertNotYetValid(startsIn: number): Promise<void> {
            const dates = serveCertificateStartingIn(startsIn);
            const before = new Date(Math.floor(Date.now() / 1000) * 1000);
            const o = await attempt(engine, emu, defaultArgs(emu));
            const after = new Date();
            const m = /^CCE clustercert: the API answered 200 but the client certificate it issued is not valid before (\S+), later than this machine's time (\S+) plus 5 minutes \(check this machine's clock\) \(request id [0-9a-f-]{36}\)\. This is a cloud-side fault; retry, and report the request id if it persists\.$/.exec(failure(o));
            assert.ok(m, `unexpected message: ${failure(o)}`);
            assert.equal(m[1], dates.notBefore());
            const machine = new Date(m[2] as string);
            assert.equal(machine.toISOString(), m[2]);
            assert.ok(machine >= before && machine <= after, `this machine's time ${m[2]} lies within the attempt`);
            assert.equal(o.state, undefined);
            assertNoKeyLeak(o);
            requestIdOf(o);
        }

        it("refuses a certificate valid from now + 1 day, naming both dates", () => assertNotYetValid(DAY_MS));
        it("refuses a certificate valid from now + 10 minutes (beyond the 5-minute allowance)", () => assertNotYetValid(10 * 60_000));

        it("accepts a certificate valid from now + 2 minutes (within the clock-skew allowance)", async () => {
            const dates = serveCertificateStartingIn(2 * 60_000);
            const o = await attempt(engine, emu, defaultArgs(emu));
            assert.equal(o.error, undefined, o.error?.message);
            assert.equal(o.state?.outputs.issuedAt, dates.notBefore());
            assert.equal(o.state?.outputs.expiresAt, dates.notAfter());
            assert.equal(certCalls(o), 1);
        });
    });

    describe("provider: an update re-renders a stored kubeconfig (as written before PEM hygiene)", () => {
        /** A created state whose stored kubeconfig's CA data is replaced by `caText`, then an update to context external. */
        async function updateWithStoredCa(caText: (kc: string) => string): Promise<{ state?: ResourceState; error?: Error; logs: string[] }> {
            const o = await attempt(engine, emu, defaultArgs(emu, { context: "internal" }));
            assert.equal(o.error, undefined, o.error?.message);
            const created = o.state as ResourceState;
            const stored = created.outputs.kubeconfig as string;
            const data = (/certificate-authority-data: (\S+)/.exec(stored) as RegExpExecArray)[1] as string;
            const forged: ResourceState = { ...created, outputs: { ...created.outputs, kubeconfig: stored.replace(data, b64(caText(unb64(data)))) } };
            const logFrom = engine.host.logs().length;
            try {
                const res = await up(engine, forged, await registered(defaultArgs(emu, { context: "external" }) as never, created.name), created.name);
                assert.equal(res.op, "update");
                return { state: res.state, logs: engine.host.logs().slice(logFrom) };
            } catch (e) {
                return { error: e as Error, logs: engine.host.logs().slice(logFrom) };
            }
        }

        it("junk around the stored CA certificate: the updated clusterCaCertificate and kubeconfig hold the certificate alone", async () => {
            const res = await updateWithStoredCa((ca) => `junk before\n${ca}junk after\n`);
            assert.equal(res.error, undefined, res.error?.message);
            assert.equal(res.state?.outputs.currentContext, "external");
            assert.deepEqual(onlyCertificates(res.state?.outputs.clusterCaCertificate as string, "the clusterCaCertificate output"), [fingerprint(caPem())]);
            const kc = YAML.parse(res.state?.outputs.kubeconfig as string, { version: "1.1" }) as KubeconfigJson;
            assert.deepEqual(onlyCertificates(unb64(clusterNamed(kc, "internalCluster").cluster["certificate-authority-data"] as string), "the kubeconfig's CA data"), [fingerprint(caPem())]);
            assert.equal(emu.calls.count({ route: "clustercert" }), 1, "the update makes no API call");
        });

        it("a private key in the stored CA data: the update is refused and the key is not carried forward", async () => {
            const res = await updateWithStoredCa((ca) => ca + STRAY_KEY);
            assert.ok(res.error, "the update must fail");
            assert.equal(
                res.error.message,
                'the stored kubeconfig cannot be used: certificate-authority-data of cluster "internalCluster" holds a private key: refused (a certificate field must hold certificates only); replace the resource to obtain a new certificate',
            );
            for (const t of [res.error.message, ...res.logs]) for (const k of keys()) assertNoSecret(t, pemForms(k), "the error or the host log");
            assert.equal(emu.calls.count({ route: "clustercert" }), 1, "the update makes no API call");
        });
    });

    describe("CLI", () => {
        let env: NodeJS.ProcessEnv;
        let n = 0;
        before(() => {
            env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT.id }, { XDG_CACHE_HOME: path.join(work, "cache") });
        });
        const file = (name: string): string => path.join(work, `${++n}-${name}`);
        const execKubeconfig = (caFile: string): Promise<Result> => runCli(["kubeconfig", "--exec", "--cluster-id", CLUSTER.id, "--server", SERVER, "--ca-file", caFile], env);
        const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");

        /** Exit 2, nothing on stdout, the one-line error (then the usage hint), no API call, no key in it. */
        function assertUsageRefusal(res: Result, message: string): void {
            assert.equal(res.code, 2, res.stderr);
            assert.equal(res.stdout, "");
            assert.deepEqual(lines(res.stderr), [`cce-clustercert: error: ${message}`, "cce-clustercert: see --help"]);
            assert.doesNotMatch(res.stderr, BEGIN_KEY);
            for (const k of keys()) assertNoSecret(res.stderr, pemForms(k), "stderr");
            assert.equal(emu.calls.count(), 0);
        }

        it("kubeconfig --exec --ca-file: certificate + private key → exit 2", async () => {
            const f = file("ca-and-key.pem");
            await fs.writeFile(f, caPem() + STRAY_KEY);
            assertUsageRefusal(await execKubeconfig(f), `--ca-file ${f} holds a private key: refused (a certificate field must hold certificates only)`);
        });

        it("kubeconfig --exec --ca-file: only a private key → exit 2", async () => {
            const f = file("key.pem");
            await fs.writeFile(f, STRAY_KEY);
            assertUsageRefusal(await execKubeconfig(f), `--ca-file ${f} holds a private key: refused (a certificate field must hold certificates only)`);
        });

        it("kubeconfig --exec --ca-file: a key relabelled CERTIFICATE → exit 2", async () => {
            const f = file("disguised.pem");
            await fs.writeFile(f, STRAY_KEY.replace(/RSA PRIVATE KEY/g, "CERTIFICATE"));
            assertUsageRefusal(await execKubeconfig(f), `--ca-file ${f} is not a valid PEM X.509 certificate`);
        });

        it("kubeconfig --exec --ca-file: junk + certificate → the kubeconfig's CA data is the certificate alone", async () => {
            const f = file("junk.pem");
            await fs.writeFile(f, `Bag Attributes\n    friendlyName: kubernetes\nsubject=CN = kubernetes\n\n${caPem()}\ntrailing words\n`);
            const res = await execKubeconfig(f);
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stderr, "");
            const kc = YAML.parse(res.stdout, { version: "1.1" }) as KubeconfigJson;
            assert.equal(kc.clusters.length, 1);
            assert.equal(kc.clusters[0]?.cluster.server, SERVER);
            assert.deepEqual(onlyCertificates(unb64(kc.clusters[0]?.cluster["certificate-authority-data"] as string), "the CA data"), [fingerprint(caPem())]);
            assert.equal(emu.calls.count(), 0);
        });

        it("kubeconfig --exec --ca-file: a directory, a FIFO, /dev/zero → exit 2, no hang", async () => {
            const dir = file("dir");
            await fs.mkdir(dir);
            assertUsageRefusal(await execKubeconfig(dir), `--ca-file ${dir} is not a regular file`);
            const fifo = file("fifo");
            const made = await runProcess("mkfifo", [fifo], env);
            assert.equal(made.code, 0, made.stderr);
            // A reader of a FIFO without a writer blocks forever: runProcess kills it after 60 s (code null).
            assertUsageRefusal(await execKubeconfig(fifo), `--ca-file ${fifo} is not a regular file`);
            assertUsageRefusal(await execKubeconfig("/dev/zero"), "--ca-file /dev/zero is not a regular file");
        });

        it("kubeconfig --exec --ca-file: larger than 1 MiB → exit 2", async () => {
            const f = file("big.pem");
            const pem = caPem();
            await fs.writeFile(f, pem + "#".repeat(1024 * 1024 + 1 - Buffer.byteLength(pem)));
            assert.equal((await fs.stat(f)).size, 1024 * 1024 + 1);
            assertUsageRefusal(await execKubeconfig(f), `--ca-file ${f} is larger than 1048576 bytes`);
        });

        it("get --out-dir: CA data with junk around the certificate → ca.crt and the kubeconfig hold the certificate alone", async () => {
            mutate((kc) => {
                setCa(kc, `junk before\n${caPem()}junk after\n`);
            });
            const dir = file("out");
            const res = await runCli(["get", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--iam-endpoint", emu.url, "--context", "internal", "--out-dir", dir], env);
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stdout, "");
            assert.deepEqual((await fs.readdir(dir)).sort(), ["ca.crt", "client.crt", "client.key", "kubeconfig"]);
            assert.deepEqual(onlyCertificates(await fs.readFile(path.join(dir, "ca.crt"), "utf8"), "ca.crt"), [fingerprint(caPem())]);
            assert.equal(onlyCertificates(await fs.readFile(path.join(dir, "client.crt"), "utf8"), "client.crt").length, 1);
            const kc = YAML.parse(await fs.readFile(path.join(dir, "kubeconfig"), "utf8"), { version: "1.1" }) as KubeconfigJson;
            assert.deepEqual(onlyCertificates(unb64(clusterNamed(kc, "internalCluster").cluster["certificate-authority-data"] as string), "the kubeconfig's CA data"), [fingerprint(caPem())]);
            assert.equal(emu.calls.count({ route: "clustercert" }), 1);
        });

        it("get --out-dir: a key in client-certificate-data → exit 5, one line, no file written", async () => {
            mutate((kc) => {
                setUser(kc, "client-certificate-data", userPem(kc, "client-certificate-data") + userPem(kc, "client-key-data"));
            });
            const dir = file("out-refused");
            const res = await runCli(["get", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--iam-endpoint", emu.url, "--out-dir", dir], env);
            assert.equal(res.code, 5, res.stderr);
            assert.equal(res.stdout, "");
            const rid = (emu.calls.last({ route: "clustercert" }) as { requestId: string }).requestId;
            assert.deepEqual(lines(res.stderr), [
                `cce-clustercert: error: CCE clustercert: the API answered 200 but client-certificate-data of user "user" holds a private key: refused (a certificate field must hold certificates only) (request id ${rid}). This is a cloud-side fault; retry, and report the request id if it persists.`,
            ]);
            for (const k of keys()) assertNoSecret(res.stderr, pemForms(k), "stderr");
            await assert.rejects(fs.readdir(dir), { code: "ENOENT" });
            assert.equal(emu.calls.count({ route: "clustercert" }), 1);
        });
    });
});
