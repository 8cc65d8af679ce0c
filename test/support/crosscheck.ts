/**
 * Differential check of the fast paths added to make a create cheap (bench/RESULTS.md):
 *
 * - `renderKubeconfig` must give exactly `YAML.stringify(doc, { lineWidth: 0 })`, for kubeconfigs
 *   and for random documents full of strings YAML has to quote;
 * - `readCertificate`, `countCertificates` and `assertKeyMatches` must agree with node:crypto
 *   (`X509Certificate`, `createPrivateKey`, `checkPrivateKey`) — same facts when node accepts, an
 *   error whenever node rejects — on certificates of many shapes and on thousands of corrupted ones.
 *
 * Run by `npm run bench` before measuring (a failure stops the bench), or alone:
 * `npx ts-node bench/crosscheck.ts [seed] [corrupted certificates] [corrupted keys]`.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import YAML from "yaml";
import { assertKeyMatches, countCertificates, readCertificate, type CertificateInfo } from "../../provider/kube/certificate";
import { kubeconfigYaml, libraryYaml } from "../../provider/kube/kubeconfig-yaml";

x509.cryptoProvider.set(webcrypto as never);

export interface CrossCheckResult {
    yamlDocuments: number;
    certificates: number;
    certificateMutations: number;
    keyMutations: number;
    failures: string[];
}

/** A deterministic pseudo-random generator (xorshift32), so that a failure can be reproduced. */
function rng(seed: number): () => number {
    let s = seed >>> 0 || 1;
    return () => {
        s ^= s << 13;
        s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5;
        s >>>= 0;
        return s / 0x1_0000_0000;
    };
}

// ---- YAML -------------------------------------------------------------------------------------

const TRICKY = [
    "true", "True", "FALSE", "null", "Null", "~", "", " ", "yes", "no", "on", "off", "y", "n", "42", "-1", "0x1F", "0o17", "1e3", ".5", "1.", ".inf", "-.Inf",
    ".nan", "NaN", "Infinity", "2024-01-02", "12:30", "a: b", "a:b", "a:", ":a", "a::b", "- a", "-a", "?a", "? a", "#a", "a #b", "a#b", "@a", "`a", "!a", "&a",
    "*a", "|a", ">a", "%a", "'a'", "\"a\"", "a'b", "a\"b", "[a]", "{a}", "a,b", "a b", " a", "a ", "a\nb", "a\tb", "---", "...", "--- a", "<<", "=", "a=b",
    "ünïcödé", "a\u0085b", "a\u2028b", "\u0000", "https://127.0.0.1:5443", "https://[::1]:443/x?y=z&w", "LS0tLS1CRUdJTg==", "a/b+c=", "_a", "A_b", "a.b-c",
    "internalCluster", "v1", "Config", "x".repeat(300), "k".repeat(1100),
];

function randomString(r: () => number): string {
    if (r() < 0.5) return TRICKY[Math.floor(r() * TRICKY.length)] as string;
    const alphabet = "abcXYZ019._/+=-:@# '\"\n";
    let s = "";
    for (let i = 0, n = 1 + Math.floor(r() * 12); i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    return s;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function randomValue(r: () => number, depth: number): Json {
    const x = r();
    if (depth > 0 && x < 0.2) return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [r() < 0.8 ? "k" + Math.floor(r() * 50) : randomString(r), randomValue(r, depth - 1)]));
    if (depth > 0 && x < 0.35) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth - 1));
    if (x < 0.42) return r() < 0.5;
    if (x < 0.45) return Math.floor(r() * 100) - 50;
    if (x < 0.47) return null;
    if (x < 0.75) return "plain" + Math.floor(r() * 1000);
    return randomString(r);
}

function yamlCheck(failures: string[]): number {
    const r = rng(12345);
    let n = 0;
    const pem = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    for (let i = 0; i < 4000; i++) {
        const plain = i % 2 === 0;
        const v = (d: number): Json => (plain ? "value" + Math.floor(r() * 100) : randomValue(r, d));
        const kc: Record<string, Json> = {
            kind: "Config",
            apiVersion: "v1",
            preferences: r() < 0.5 ? {} : { colors: r() < 0.5 },
            clusters: [
                { name: "internalCluster", cluster: { server: "https://192.168.0.10:5443", "certificate-authority-data": pem } },
                { name: "externalCluster", cluster: { server: `https://203.0.113.${i % 250}:5443`, "insecure-skip-tls-verify": true, ...(r() < 0.3 ? { extra: v(2) } : {}) } },
            ],
            users: [{ name: "user", user: { "client-certificate-data": pem, "client-key-data": pem, ...(r() < 0.3 ? { [plain ? "token" : randomString(r)]: v(3) } : {}) } }],
            contexts: [
                { name: "internal", context: { cluster: "internalCluster", user: "user" } },
                { name: "external", context: { cluster: "externalCluster", user: "user", ...(r() < 0.3 ? { namespace: v(1) as string } : {}) } },
            ],
            "current-context": "external",
            ...(r() < 0.3 ? { extensions: v(3) } : {}),
            ...(r() < 0.1 ? { [randomString(r)]: v(2) } : {}),
        };
        const ctx = r() < 0.5 ? "internal" : "external";
        const doc = { ...kc, "current-context": ctx };
        const expected = libraryYaml(doc);
        const actual = kubeconfigYaml(doc);
        if (actual !== expected) {
            failures.push(`kubeconfigYaml differs from the yaml library for document ${i}:\n${expected}\n---\n${actual}`);
            if (failures.length > 5) break;
        }
        // Read back as YAML 1.2 and as YAML 1.1 (kubectl's reader), the document is the same.
        for (const version of ["1.2", "1.1"] as const) {
            if (JSON.stringify(YAML.parse(actual, { version })) !== JSON.stringify(doc)) {
                failures.push(`the YAML of document ${i} reads back differently as YAML ${version}:\n${actual}`);
                break;
            }
        }
        n++;
    }
    return n;
}

// ---- Certificates -----------------------------------------------------------------------------

function nodeFacts(pem: string): CertificateInfo {
    const cert = new X509Certificate(pem);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw new Error("unreadable validity");
    return { commonName: cn ?? "", serialNumber: cert.serialNumber.toUpperCase(), fingerprint: cert.fingerprint256, notBefore, notAfter };
}

function nodeKeyMatches(certPem: string, keyPem: string): boolean {
    try {
        return new X509Certificate(certPem).checkPrivateKey(createPrivateKey({ key: keyPem, format: "pem" }));
    } catch {
        return false;
    }
}

function same(a: CertificateInfo, b: CertificateInfo): boolean {
    return (
        a.commonName === b.commonName &&
        a.serialNumber === b.serialNumber &&
        a.fingerprint === b.fingerprint &&
        a.notBefore.getTime() === b.notBefore.getTime() &&
        a.notAfter.getTime() === b.notAfter.getTime()
    );
}

function toPem(der: Uint8Array, label: string, width = 64): string {
    const b64 = Buffer.from(der).toString("base64");
    const lines = b64.match(new RegExp(`.{1,${width}}`, "g")) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function derOf(pem: string): Buffer {
    return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

/** Our answer for a certificate: its facts, or "rejected". */
function ours(pem: string): CertificateInfo | "rejected" {
    try {
        const info = readCertificate(pem);
        countCertificates(pem, "x");
        return info;
    } catch {
        return "rejected";
    }
}

function theirs(pem: string): CertificateInfo | "rejected" {
    try {
        return nodeFacts(pem);
    } catch {
        return "rejected";
    }
}

function compareCert(pem: string, label: string, failures: string[]): void {
    const a = ours(pem);
    const b = theirs(pem);
    if (a === "rejected" && b === "rejected") return;
    if (a === "rejected" || b === "rejected") failures.push(`${label}: ours ${a === "rejected" ? "rejects" : "accepts"}, node ${b === "rejected" ? "rejects" : "accepts"}\n${pem}`);
    else if (!same(a, b)) failures.push(`${label}: facts differ: ours ${JSON.stringify(a)}, node ${JSON.stringify(b)}\n${pem}`);
}

function compareKey(certPem: string, keyPem: string, label: string, failures: string[]): void {
    let a: boolean;
    try {
        assertKeyMatches(certPem, keyPem);
        a = true;
    } catch {
        a = false;
    }
    const b = nodeKeyMatches(certPem, keyPem);
    if (a !== b) failures.push(`${label}: key match: ours ${a}, node ${b}\ncert:\n${certPem}\nkey:\n${keyPem}`);
}

interface Pair {
    privateKey: KeyObject;
    publicKey: KeyObject;
    signing: webcrypto.CryptoKey;
    type: "rsa" | "ec";
}

async function pair(type: "rsa" | "ec"): Promise<Pair> {
    const { privateKey, publicKey } = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const alg = type === "rsa" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
    const signing = await webcrypto.subtle.importKey("pkcs8", privateKey.export({ type: "pkcs8", format: "der" }), alg, false, ["sign"]);
    return { privateKey, publicKey, signing, type };
}

function spki(k: KeyObject): ArrayBuffer {
    const der = k.export({ type: "spki", format: "der" });
    return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

async function certificate(issuer: Pair, subjectKey: Pair, o: { serial: string; subject: string; notBefore: Date; notAfter: Date; extensions: boolean }): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: o.serial,
        subject: o.subject,
        issuer: "CN=kubernetes",
        notBefore: o.notBefore,
        notAfter: o.notAfter,
        publicKey: spki(subjectKey.publicKey),
        signingKey: issuer.signing,
        signingAlgorithm: issuer.type === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" },
        extensions: o.extensions
            ? [new x509.BasicConstraintsExtension(false, undefined, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false)]
            : [],
    });
    return cert.toString("pem") + "\n";
}

async function certificateCheck(failures: string[], o: CrossCheckOptions): Promise<{ certificates: number; certificateMutations: number; keyMutations: number }> {
    const r = rng(o.seed);
    const rsa = [await pair("rsa"), await pair("rsa")];
    const ec = [await pair("ec"), await pair("ec")];
    const serials = ["01", "7f", "80", "00ff", "0100", "10" + "ab".repeat(15), "ff".repeat(20), "00" + "80".repeat(8), randomBytes(16).toString("hex")];
    const subjects = [
        "CN=5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b",
        "O=system:masters, CN=0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "O=system:masters, O=dev, CN=user:name@example.com",
        "CN=a+b",
        "CN=with space",
        "CN=\\#hash",
        "CN=caf\u00e9",
        "O=no common name",
        "CN=first, CN=second",
        "CN=a\\,b",
        "CN=path/like_name.x-y:z@w",
    ];
    const dates: [string, string][] = [
        ["2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"],
        ["2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z"],
        ["1999-06-30T12:00:00Z", "2099-12-31T23:59:59Z"],
        ["1950-01-01T00:00:00Z", "9999-12-31T23:59:59Z"],
        ["1949-12-31T23:59:59Z", "2030-02-28T01:02:03Z"],
    ];
    const certs: { pem: string; key: Pair; other: Pair }[] = [];
    let n = 0;
    for (const serial of serials) {
        for (const subject of subjects) {
            const [nb, na] = dates[n % dates.length] as [string, string];
            const keyPair = (n % 3 === 2 ? ec : rsa)[n % 2] as Pair;
            const other = (n % 3 === 2 ? ec : rsa)[(n + 1) % 2] as Pair;
            const issuer = (n % 2 === 0 ? ec : rsa)[0] as Pair;
            const pem = await certificate(issuer, keyPair, { serial, subject, notBefore: new Date(nb), notAfter: new Date(na), extensions: n % 4 !== 3 });
            certs.push({ pem, key: keyPair, other });
            compareCert(pem, `certificate serial ${serial} subject "${subject}" ${nb}..${na}`, failures);
            compareCert(pem.replace(/\n/g, "\r\n"), "CRLF certificate", failures);
            compareCert(toPem(derOf(pem), "CERTIFICATE", 76), "76-column certificate", failures);
            compareCert(pem + pem, "two certificates", failures);
            n++;
        }
    }
    // Keys: PKCS#1, PKCS#8 and SEC1, matching and not.
    for (const { pem, key, other } of certs.slice(0, 20)) {
        for (const k of [key, other]) {
            const kind = k.type === "rsa" ? "pkcs1" : "sec1";
            compareKey(pem, k.privateKey.export({ type: kind, format: "pem" }).toString(), `${k === key ? "own" : "other"} ${kind} key`, failures);
            compareKey(pem, k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), `${k === key ? "own" : "other"} pkcs8 key`, failures);
        }
    }
    // Corrupted certificates: random byte changes, insertions, deletions and truncations of the DER.
    let certificateMutations = 0;
    for (let i = 0; i < o.certificateMutations; i++) {
        const base = certs[Math.floor(r() * certs.length)]!.pem;
        const der = Buffer.from(derOf(base));
        const at = Math.floor(r() * der.length);
        let mutated: Buffer;
        const op = r();
        if (op < 0.5) {
            mutated = Buffer.from(der);
            mutated[at] = r() < 0.5 ? (der[at] as number) ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
        } else if (op < 0.7) mutated = Buffer.concat([der.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), der.subarray(at)]);
        else if (op < 0.9) mutated = Buffer.concat([der.subarray(0, at), der.subarray(at + 1)]);
        else mutated = der.subarray(0, at);
        compareCert(toPem(mutated, "CERTIFICATE"), `mutation ${i}`, failures);
        certificateMutations++;
        if (failures.length > 10) break;
    }
    // Corrupted RSA keys against their own certificate.
    let keyMutations = 0;
    const rsaCerts = certs.filter((c) => c.key.type === "rsa").slice(0, 10);
    for (let i = 0; i < o.keyMutations && failures.length <= 10; i++) {
        const { pem, key } = rsaCerts[i % rsaCerts.length]!;
        const pkcs8 = i % 2 === 1;
        const der = Buffer.from(key.privateKey.export({ type: pkcs8 ? "pkcs8" : "pkcs1", format: "der" }));
        const at = Math.floor(r() * der.length);
        const mutated = Buffer.from(der);
        mutated[at] = (der[at] as number) ^ (1 << Math.floor(r() * 8));
        compareKey(pem, toPem(mutated, pkcs8 ? "PRIVATE KEY" : "RSA PRIVATE KEY"), `key mutation ${i}`, failures);
        keyMutations++;
    }
    return { certificates: certs.length, certificateMutations, keyMutations };
}

export interface CrossCheckOptions {
    seed: number;
    certificateMutations: number;
    keyMutations: number;
}

export async function crossCheck(o: CrossCheckOptions = { seed: 777, certificateMutations: 20_000, keyMutations: 1_000 }): Promise<CrossCheckResult> {
    const failures: string[] = [];
    const yamlDocuments = yamlCheck(failures);
    const c = await certificateCheck(failures, o);
    return { yamlDocuments, ...c, failures };
}

if (require.main === module) {
    // npx ts-node bench/crosscheck.ts [seed] [corrupted certificates] [corrupted keys]
    const [seed, certs, keys] = process.argv.slice(2).map(Number);
    crossCheck({ seed: seed || 777, certificateMutations: certs || 20_000, keyMutations: keys || 1_000 }).then(
        (res) => {
            console.log(`${res.yamlDocuments} YAML documents, ${res.certificates} certificates (×4 PEM layouts), ${res.certificateMutations} corrupted certificates, ${res.keyMutations} corrupted keys`);
            for (const f of res.failures) console.log(`FAIL ${f}`);
            process.exit(res.failures.length > 0 ? 1 : 0);
        },
        (e: unknown) => {
            console.error(e);
            process.exit(1);
        },
    );
}
