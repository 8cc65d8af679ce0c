/**
 * The YAML half of the fast-path cross-check (test/support/crosscheck.ts): `kubeconfigYaml` must
 * write exactly what the `yaml` library writes (`libraryYaml`), for kubeconfigs and for random
 * documents full of strings YAML has to quote, and read back the same as YAML 1.2 and 1.1.
 */
import YAML from "yaml";
import { libraryYaml, renderKubeconfigYaml } from "../../provider/kube/kubeconfig-yaml";
import { rng } from "./rng";


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

export function yamlCheck(failures: string[]): { documents: number; byFastPath: number } {
    const r = rng(12345);
    let n = 0;
    let byFastPath = 0;
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
        const rendered = renderKubeconfigYaml(doc);
        const actual = rendered.text;
        if (rendered.fastPath) byFastPath++;
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
    return { documents: n, byFastPath };
}

/** Whether the fast path writes a kubeconfig of CCE's shape (false when it is switched off or gives up). */
export function yamlFastPathTaken(): boolean {
    const b64 = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    return renderKubeconfigYaml({
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters: [
            { name: "internalCluster", cluster: { server: "https://192.168.0.10:5443", "certificate-authority-data": b64 } },
            { name: "externalCluster", cluster: { server: "https://203.0.113.7:5443", "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "user", user: { "client-certificate-data": b64, "client-key-data": b64 } }],
        contexts: [
            { name: "internal", context: { cluster: "internalCluster", user: "user" } },
            { name: "external", context: { cluster: "externalCluster", user: "user" } },
        ],
        "current-context": "external",
    }).fastPath;
}
