/**
 * Certificates and keys for the differential check of the fast paths (crosscheck.ts): key pairs of
 * every size and curve the check uses, certificates built with @peculiar/x509 (an encoder that is
 * neither node's nor ours) with no, CCE's or many extensions, and PEM helpers.
 */
import { generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as never);

export interface Pair {
    privateKey: KeyObject;
    publicKey: KeyObject;
    signing: webcrypto.CryptoKey;
    type: "rsa" | "ec";
    /** "RSA-2048", "P-384", …: for failure labels. */
    name: string;
}

export type Curve = "P-256" | "P-384" | "P-521";

/** A key pair: RSA of `bits`, or EC on `curve`. */
export async function pair(type: "rsa" | "ec", size: { bits?: 2048 | 3072 | 4096; curve?: Curve } = {}): Promise<Pair> {
    const bits = size.bits ?? 2048;
    const curve = size.curve ?? "P-256";
    const { privateKey, publicKey } = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: bits }) : generateKeyPairSync("ec", { namedCurve: curve });
    const alg = type === "rsa" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: curve };
    const signing = await webcrypto.subtle.importKey("pkcs8", privateKey.export({ type: "pkcs8", format: "der" }), alg, false, ["sign"]);
    return { privateKey, publicKey, signing, type, name: type === "rsa" ? `RSA-${bits}` : curve };
}

function spki(k: KeyObject): ArrayBuffer {
    const der = k.export({ type: "spki", format: "der" });
    return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** No extensions; the two a CCE client certificate has; or many, some large, some unknown to node. */
export type Extensions = "none" | "cce" | "many";

async function extensionsOf(level: Extensions, subjectKey: Pair): Promise<x509.Extension[]> {
    if (level === "none") return [];
    const cce = [new x509.BasicConstraintsExtension(false, undefined, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false)];
    if (level === "cce") return cce;
    const names = [
        ...Array.from({ length: 40 }, (_, i) => ({ type: "dns" as const, value: `node-${i}.cluster-${"x".repeat(i)}.example.internal` })),
        { type: "ip" as const, value: "10.0.0.1" },
        { type: "ip" as const, value: "fd00::1" },
        { type: "email" as const, value: "admin@example.com" },
        { type: "url" as const, value: "https://example.com/a?b=c" },
    ];
    // Extensions node does not know: an OCTET STRING of random bytes under a private OID, one large.
    const unknown = [8, 100, 3000].map((n, i) => {
        const body = randomBytes(n);
        const len = n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
        return new x509.Extension(`1.3.6.1.4.1.99999.${i + 1}`, i === 0, Buffer.concat([Buffer.from([0x04]), len, body]));
    });
    return [
        ...cce,
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        await x509.SubjectKeyIdentifierExtension.create(spki(subjectKey.publicKey)),
        new x509.SubjectAlternativeNameExtension(names),
        new x509.CertificatePolicyExtension(["2.5.29.32.0", "1.3.6.1.4.1.99999.7.1"]),
        new x509.CRLDistributionPointsExtension(["http://crl.example.com/kubernetes.crl"]),
        ...unknown,
    ];
}

export interface CertificateOptions {
    serial: string;
    subject: string;
    notBefore: Date;
    notAfter: Date;
    extensions: Extensions;
}

/** A certificate for `subjectKey` signed by `issuer` (issuer name "CN=kubernetes"), PEM. */
export async function certificate(issuer: Pair, subjectKey: Pair, o: CertificateOptions): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: o.serial,
        subject: o.subject,
        issuer: "CN=kubernetes",
        notBefore: o.notBefore,
        notAfter: o.notAfter,
        publicKey: spki(subjectKey.publicKey),
        signingKey: issuer.signing,
        signingAlgorithm: issuer.type === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" },
        extensions: await extensionsOf(o.extensions, subjectKey),
    });
    return cert.toString("pem") + "\n";
}

export function toPem(der: Uint8Array, label: string, width = 64): string {
    const b64 = Buffer.from(der).toString("base64");
    const lines = b64.match(new RegExp(`.{1,${width}}`, "g")) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function derOf(pem: string): Buffer {
    return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}
