/**
 * Differential check of the fast paths added to make a create cheap (bench/RESULTS.md):
 *
 * - `kubeconfigYaml` must give exactly what the `yaml` library gives (`libraryYaml`), for
 *   kubeconfigs and for random documents full of strings YAML has to quote (crosscheck-yaml.ts);
 * - `readCertificate`, `countCertificates` and `checkClientCertificate` must agree with node:crypto
 *   (`X509Certificate`, `createPrivateKey`, `checkPrivateKey`) — same facts when node accepts, an
 *   error whenever node rejects — on certificates of many shapes (UTCTime and GeneralizedTime
 *   validity, long and odd names, no, CCE's or many extensions: crosscheck-certs.ts), RSA keys of
 *   2048/3072/4096 bits (PKCS#1, PKCS#8) and EC keys (SEC1, PKCS#8, P-256/384/521, hand-built
 *   variants: ec-keys.ts), and thousands of corrupted (bit-flipped, changed, inserted, deleted,
 *   truncated) certificates and keys. Where the fast path declines, node decides: either way the
 *   answer must be node's.
 *
 * Run by `npm run bench` before measuring (a failure stops the bench), by test/unit/fast-paths.test.ts
 * (fewer cases), or alone: `npx ts-node test/support/crosscheck.ts [seed] [corrupted certificates] [corrupted keys]`.
 */
import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import { checkClientCertificate, countCertificates, readCertificate, type CertificateInfo } from "../../provider/kube/certificate";
import { certificate, derOf, pair, toPem, type Extensions, type Pair } from "./crosscheck-certs";
import { yamlCheck, yamlFastPathTaken } from "./crosscheck-yaml";
import { rng } from "./rng";
import { ecKeyVariants } from "./ec-keys";

export interface CrossCheckResult {
    yamlDocuments: number;
    /** Of those, how many the fast path wrote (it must agree with the library on every one). */
    yamlDocumentsByFastPath: number;
    certificates: number;
    certificateMutations: number;
    keyMutations: number;
    /** Key checks compared with node, and how many of them the fast path decided (it only decides matches). */
    keyChecks: number;
    keyChecksByFastPath: number;
    failures: string[];
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

/** Key checks compared so far, and those the fast path decided. */
const keyStats = { checks: 0, fast: 0 };

function compareKey(certPem: string, keyPem: string, label: string, failures: string[]): void {
    let a: boolean;
    try {
        keyStats.fast += checkClientCertificate(certPem, keyPem).fastPath ? 1 : 0;
        a = true;
    } catch {
        a = false;
    }
    keyStats.checks++;
    const b = nodeKeyMatches(certPem, keyPem);
    if (a !== b) failures.push(`${label}: key match: ours ${a}, node ${b}\ncert:\n${certPem}\nkey:\n${keyPem}`);
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
        `CN=${"a".repeat(64)}`,
        `O=${"long organisation ".repeat(20).trim()}, CN=${"b".repeat(200)}`,
        `${Array.from({ length: 24 }, (_, i) => `OU=unit-${i}`).join(", ")}, CN=many-rdns`,
        "CN=\u00fcml\u00e4ut \u6f22\u5b57 \ud83d\ude80",
        "C=CN, ST=Guangdong, L=Shenzhen, O=Huawei, OU=CCE, CN=system:node:192.168.0.1, E=a@b.c",
        'CN=quote\"d, O=back\\slash',
    ];
    const levels: Extensions[] = ["cce", "none", "many"];
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
            const pem = await certificate(issuer, keyPair, { serial, subject, notBefore: new Date(nb), notAfter: new Date(na), extensions: levels[n % 3] as Extensions });
            certs.push({ pem, key: keyPair, other });
            compareCert(pem, `certificate serial ${serial} subject "${subject}" ${nb}..${na}`, failures);
            compareCert(pem.replace(/\n/g, "\r\n"), "CRLF certificate", failures);
            compareCert(toPem(derOf(pem), "CERTIFICATE", 76), "76-column certificate", failures);
            compareCert(pem + pem, "two certificates", failures);
            n++;
        }
    }
    // The other key sizes CCE-like clusters may hand out (RSA 3072/4096, EC P-384), each with every
    // validity (UTCTime and GeneralizedTime) and extension level.
    const sized: { pem: string; key: Pair; other: Pair }[] = [];
    for (const size of [{ type: "rsa", bits: 3072 }, { type: "rsa", bits: 4096 }, { type: "ec", curve: "P-384" }] as const) {
        const own = await pair(size.type, size);
        const other = await pair(size.type, size);
        for (const [i, [nb, na]] of dates.entries()) {
            for (const extensions of levels) {
                const pem = await certificate(i % 2 === 0 ? (rsa[0] as Pair) : (ec[0] as Pair), own, { serial: serials[i] as string, subject: subjects[(i * 3 + levels.indexOf(extensions)) % subjects.length] as string, notBefore: new Date(nb), notAfter: new Date(na), extensions });
                sized.push({ pem, key: own, other });
                compareCert(pem, `${own.name} certificate ${nb}..${na}, ${extensions} extensions`, failures);
                compareCert(toPem(derOf(pem), "CERTIFICATE", 76), `${own.name} 76-column certificate`, failures);
            }
        }
    }
    certs.push(...sized);
    // Keys: PKCS#1, PKCS#8 and SEC1, matching and not.
    for (const { pem, key, other } of [...certs.slice(0, 20), ...sized]) {
        for (const k of [key, other]) {
            const kind = k.type === "rsa" ? "pkcs1" : "sec1";
            compareKey(pem, k.privateKey.export({ type: kind, format: "pem" }).toString(), `${k === key ? "own" : "other"} ${kind} key`, failures);
            compareKey(pem, k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), `${k === key ? "own" : "other"} pkcs8 key`, failures);
        }
    }
    // EC keys on other curves, and EC keys built by hand: with and without the public key they
    // may carry, a public key in compressed form, somebody else's public key, another curve in the
    // parameters, a scalar of the wrong length, 0 or the group order.
    for (const curve of ["P-256", "P-384", "P-521"] as const) {
        const own = await pair("ec", { curve });
        const other = await pair("ec", { curve });
        const pem = await certificate(rsa[0] as Pair, own, { serial: "0a", subject: "CN=ec-user", notBefore: new Date("2024-01-01T00:00:00Z"), notAfter: new Date("2030-01-01T00:00:00Z"), extensions: "cce" });
        compareCert(pem, `${curve} certificate`, failures);
        for (const [label, keyPem] of ecKeyVariants(own.privateKey, other.privateKey, curve)) compareKey(pem, keyPem, `${curve} ${label}`, failures);
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
    // Corrupted RSA and EC keys (PKCS#1, SEC1, PKCS#8) against their own certificate.
    let keyMutations = 0;
    const keyed = [...certs.filter((c) => c.key.type === "rsa").slice(0, 10), ...certs.filter((c) => c.key.type === "ec").slice(0, 10), ...sized.filter((_, i) => i % levels.length === 0)];
    for (let i = 0; i < o.keyMutations && failures.length <= 10; i++) {
        const { pem, key } = keyed[i % keyed.length]!;
        const pkcs8 = Math.floor(i / keyed.length) % 2 === 1;
        const type = pkcs8 ? "pkcs8" : key.type === "rsa" ? "pkcs1" : "sec1";
        const der = Buffer.from(key.privateKey.export({ type, format: "der" }));
        const at = Math.floor(r() * der.length);
        const mutated = Buffer.from(der);
        mutated[at] = (der[at] as number) ^ (1 << Math.floor(r() * 8));
        compareKey(pem, toPem(mutated, pkcs8 ? "PRIVATE KEY" : key.type === "rsa" ? "RSA PRIVATE KEY" : "EC PRIVATE KEY"), `key mutation ${i} (${type})`, failures);
        keyMutations++;
    }
    return { certificates: certs.length, certificateMutations, keyMutations };
}

/**
 * Whether each fast path decides the inputs it exists for: a certificate and key as CCE sends them
 * (RSA-2048/3072/4096 PKCS#1 and PKCS#8, EC SEC1 and PKCS#8 on P-256 and P-384) and a kubeconfig of CCE's shape. A fast path
 * that is switched off, or that gives up on these, shows as false.
 */
export async function fastPathsTaken(): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    const issuer = await pair("rsa");
    for (const size of [{ type: "rsa", bits: 2048 }, { type: "ec", curve: "P-256" }, { type: "rsa", bits: 3072 }, { type: "rsa", bits: 4096 }, { type: "ec", curve: "P-384" }] as const) {
        const key = await pair(size.type, size);
        const pem = await certificate(issuer, key, { serial: "00c0ffee", subject: "O=system:masters, CN=5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b", notBefore: new Date("2025-01-01T00:00:00Z"), notAfter: new Date("2027-01-01T00:00:00Z"), extensions: "cce" });
        for (const format of [size.type === "rsa" ? "pkcs1" : "sec1", "pkcs8"] as const) {
            const name = key.name === "RSA-2048" ? "rsa" : key.name === "P-256" ? "ec" : key.name;
            out[`${name} ${format} key`] = checkClientCertificate(pem, key.privateKey.export({ type: format, format: "pem" }).toString()).fastPath;
        }
    }
    out["kubeconfig YAML"] = yamlFastPathTaken();
    return out;
}

export interface CrossCheckOptions {
    seed: number;
    certificateMutations: number;
    keyMutations: number;
}

export async function crossCheck(o: CrossCheckOptions = { seed: 777, certificateMutations: 20_000, keyMutations: 1_000 }): Promise<CrossCheckResult> {
    const failures: string[] = [];
    const yaml = yamlCheck(failures);
    keyStats.checks = 0;
    keyStats.fast = 0;
    const c = await certificateCheck(failures, o);
    return { yamlDocuments: yaml.documents, yamlDocumentsByFastPath: yaml.byFastPath, ...c, keyChecks: keyStats.checks, keyChecksByFastPath: keyStats.fast, failures };
}

if (require.main === module) {
    // npx ts-node test/support/crosscheck.ts [seed] [corrupted certificates] [corrupted keys]
    const [seed, certs, keys] = process.argv.slice(2).map(Number);
    crossCheck({ seed: seed || 777, certificateMutations: certs || 20_000, keyMutations: keys || 1_000 }).then(
        (res) => {
            console.log(
                `${res.yamlDocuments} YAML documents (${res.yamlDocumentsByFastPath} by the fast path), ${res.certificates} certificates (×4 PEM layouts), ${res.certificateMutations} corrupted certificates, ` +
                    `${res.keyMutations} corrupted keys, ${res.keyChecks} key checks (${res.keyChecksByFastPath} decided by the fast path)`,
            );
            for (const f of res.failures) console.log(`FAIL ${f}`);
            process.exit(res.failures.length > 0 ? 1 : 0);
        },
        (e: unknown) => {
            console.error(e);
            process.exit(1);
        },
    );
}
