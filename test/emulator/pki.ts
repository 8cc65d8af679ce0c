/**
 * The emulator's PKI: certificate authorities, TLS serving certificates and client certificates,
 * minted in-process with @peculiar/x509 over node's WebCrypto. Keys come from node's
 * `crypto.generateKeyPair` (async, off the main thread) and are exported as PEM the way CCE and
 * kubeadm write them: RSA as PKCS#1 ("BEGIN RSA PRIVATE KEY"), EC as SEC1 ("BEGIN EC PRIVATE KEY").
 */
import * as crypto from "node:crypto";
import { promisify } from "node:util";
import * as x509 from "@peculiar/x509";

type CryptoKey = crypto.webcrypto.CryptoKey;
const webcrypto = crypto.webcrypto;
// @peculiar/x509 types its provider as the DOM `Crypto`, which node's webcrypto implements.
// (That type does not resolve without the DOM lib, hence the cast.)
x509.cryptoProvider.set(webcrypto as never);

const generateKeyPairAsync = promisify(crypto.generateKeyPair);

/** "rsa" = RSA 2048 (CCE's default), "ec" = ECDSA P-256 (much faster to generate). */
export type KeyType = "rsa" | "ec";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyPair {
    type: KeyType;
    privateKey: crypto.KeyObject;
    publicKey: crypto.KeyObject;
}

/** A certificate with its private key, both as PEM, plus what the emulator needs to know about it. */
export interface IssuedCert {
    certPem: string;
    keyPem: string;
    /** Upper-case hex, as node's X509Certificate.serialNumber prints it. */
    serialNumber: string;
    notBefore: Date;
    notAfter: Date;
    commonName: string;
    keyType: KeyType;
}

/** A certificate authority that can sign certificates. */
export interface CertificateAuthority extends IssuedCert {
    /** The CA key, imported into WebCrypto for signing. */
    signingKey: CryptoKey;
    /** Hex subject key identifier, copied into the authority key identifier of what it signs. */
    keyId: string;
    /** node's view of the CA certificate (for verifying what it signed). */
    x509: crypto.X509Certificate;
    /** The CA's subject as encoded in its certificate (the issuer of what it signs, byte for byte). */
    subjectName: x509.Name;
}

/** Generates a key pair off the main thread. */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
    if (type === "rsa") {
        const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
        return { type, privateKey, publicKey };
    }
    const { privateKey, publicKey } = await generateKeyPairAsync("ec", { namedCurve: "prime256v1" });
    return { type, privateKey, publicKey };
}

/** PEM of a private key: PKCS#1 for RSA, SEC1 for EC. */
export function privateKeyPem(key: crypto.KeyObject): string {
    const type = key.asymmetricKeyType === "rsa" ? "pkcs1" : "sec1";
    return key.export({ type, format: "pem" }).toString();
}

function spkiDer(key: crypto.KeyObject): ArrayBuffer {
    const der = key.export({ type: "spki", format: "der" });
    return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

function importAlgorithm(type: KeyType): crypto.webcrypto.RsaHashedImportParams | crypto.webcrypto.EcKeyImportParams {
    return type === "rsa" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
}

function signingAlgorithm(type: KeyType): crypto.webcrypto.Algorithm | crypto.webcrypto.EcdsaParams {
    return type === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
}

async function importSigningKey(pair: KeyPair): Promise<CryptoKey> {
    const der = pair.privateKey.export({ type: "pkcs8", format: "der" });
    return webcrypto.subtle.importKey("pkcs8", der, importAlgorithm(pair.type), false, ["sign"]);
}

/** A random positive 128-bit serial number as hex (first byte in 0x10..0x7f, so no sign or padding issues). */
export function randomSerial(): string {
    const bytes = crypto.randomBytes(16);
    bytes[0] = (bytes[0] & 0x6f) | 0x10;
    return bytes.toString("hex");
}

function keyUsageFor(type: KeyType): x509.KeyUsageFlags {
    // keyEncipherment only makes sense for RSA key transport.
    const base = x509.KeyUsageFlags.digitalSignature;
    return type === "rsa" ? base | x509.KeyUsageFlags.keyEncipherment : base;
}

function toIssued(cert: x509.X509Certificate, keyPem: string, commonName: string, keyType: KeyType): IssuedCert {
    return {
        certPem: cert.toString("pem") + "\n",
        keyPem,
        serialNumber: cert.serialNumber.toUpperCase(),
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        commonName,
        keyType,
    };
}

export interface CaOptions {
    commonName: string;
    organization?: string;
    keyType?: KeyType;
    validityDays?: number;
    /** Back-dating of notBefore, ms (default 1 hour). */
    backdateMs?: number;
}

/** A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign + cRLSign). */
export async function createCa(opts: CaOptions): Promise<CertificateAuthority> {
    const keyType = opts.keyType ?? "ec";
    const pair = await generateKeyPair(keyType);
    const signingKey = await importSigningKey(pair);
    const publicKey = spkiDer(pair.publicKey);
    const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey);
    const now = Date.now();
    const name: x509.JsonName = [...(opts.organization ? [{ O: [opts.organization] }] : []), { CN: [opts.commonName] }];
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: name,
        issuer: name,
        notBefore: new Date(now - (opts.backdateMs ?? 60 * 60 * 1000)),
        notAfter: new Date(now + (opts.validityDays ?? 3650) * DAY_MS),
        publicKey,
        signingKey,
        signingAlgorithm: signingAlgorithm(keyType),
        extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
            ski,
        ],
    });
    const issued = toIssued(cert, privateKeyPem(pair.privateKey), opts.commonName, keyType);
    return { ...issued, signingKey, keyId: ski.keyId, x509: new crypto.X509Certificate(issued.certPem), subjectName: cert.subjectName };
}

/** Rebuilds a CA from PEM (e.g. to share one root CA between emulators). */
export async function loadCa(certPem: string, keyPem: string): Promise<CertificateAuthority> {
    const privateKey = crypto.createPrivateKey(keyPem);
    const publicKey = crypto.createPublicKey(privateKey);
    const keyType: KeyType = privateKey.asymmetricKeyType === "rsa" ? "rsa" : "ec";
    const signingKey = await importSigningKey({ type: keyType, privateKey, publicKey });
    const cert = new x509.X509Certificate(certPem);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension) ?? (await x509.SubjectKeyIdentifierExtension.create(spkiDer(publicKey)));
    const node = new crypto.X509Certificate(certPem);
    return {
        ...toIssued(cert, keyPem, node.subject.split("\n").find((l) => l.startsWith("CN="))?.slice(3) ?? "", keyType),
        certPem,
        signingKey,
        keyId: ski.keyId,
        x509: node,
        subjectName: cert.subjectName,
    };
}

export interface LeafOptions {
    commonName: string;
    /** One O= attribute each (Kubernetes reads them as the user's groups). */
    organizations?: string[];
    keyType?: KeyType;
    notBefore: Date;
    notAfter: Date;
    /** Subject alternative names (server certificates). */
    ips?: string[];
    dnsNames?: string[];
    usage: "server" | "client";
    /** Use this key instead of generating one (e.g. from a key pool). */
    keyPair?: KeyPair;
}

function leafExtensions(opts: LeafOptions, keyType: KeyType): x509.Extension[] {
    const ext: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(keyUsageFor(keyType), true),
        new x509.ExtendedKeyUsageExtension([opts.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false),
    ];
    const names: x509.JsonGeneralName[] = [
        ...(opts.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(opts.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    if (names.length > 0) ext.push(new x509.SubjectAlternativeNameExtension(names, false));
    return ext;
}

function subjectName(opts: LeafOptions): x509.JsonName {
    return [...(opts.organizations ?? []).map((o) => ({ O: [o] })), { CN: [opts.commonName] }];
}

/** A leaf certificate signed by `ca`. */
export async function issueCert(ca: CertificateAuthority, opts: LeafOptions): Promise<IssuedCert> {
    const pair = opts.keyPair ?? (await generateKeyPair(opts.keyType ?? "rsa"));
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: subjectName(opts),
        issuer: ca.subjectName,
        notBefore: opts.notBefore,
        notAfter: opts.notAfter,
        publicKey: spkiDer(pair.publicKey),
        signingKey: ca.signingKey,
        signingAlgorithm: signingAlgorithm(ca.keyType),
        extensions: [...leafExtensions(opts, pair.type), new x509.AuthorityKeyIdentifierExtension(ca.keyId)],
    });
    return toIssued(cert, privateKeyPem(pair.privateKey), opts.commonName, pair.type);
}

/** A self-signed leaf certificate (not a CA), e.g. a serving certificate nobody can verify. */
export async function selfSignedCert(opts: LeafOptions): Promise<IssuedCert> {
    const pair = opts.keyPair ?? (await generateKeyPair(opts.keyType ?? "ec"));
    const signingKey = await importSigningKey(pair);
    const name = subjectName(opts);
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: name,
        issuer: name,
        notBefore: opts.notBefore,
        notAfter: opts.notAfter,
        publicKey: spkiDer(pair.publicKey),
        signingKey,
        signingAlgorithm: signingAlgorithm(pair.type),
        extensions: leafExtensions(opts, pair.type),
    });
    return toIssued(cert, privateKeyPem(pair.privateKey), opts.commonName, pair.type);
}

/** True when `keyPem` is the private key of `certPem`. */
export function keyMatchesCert(certPem: string, keyPem: string): boolean {
    try {
        return new crypto.X509Certificate(certPem).checkPrivateKey(crypto.createPrivateKey(keyPem));
    } catch {
        return false;
    }
}

/**
 * Pre-minted certificates per key (e.g. `cluster/user`), handed out round-robin: benchmark mode
 * answers from here so that the cost of an answer is small and steady. The pool of a key fills
 * up to `size` on demand (or ahead of time with `prefill`).
 */
export class CertPool {
    private readonly pools = new Map<string, { certs: IssuedCert[]; next: number; filling?: Promise<void> }>();

    constructor(private readonly size: number) {
        if (!(size >= 1)) throw new RangeError("CertPool: size must be at least 1");
    }

    private entry(key: string): { certs: IssuedCert[]; next: number; filling?: Promise<void> } {
        let e = this.pools.get(key);
        if (!e) {
            e = { certs: [], next: 0 };
            this.pools.set(key, e);
        }
        return e;
    }

    /** Mints certificates for `key` until it holds `size` of them. */
    async prefill(key: string, mint: () => Promise<IssuedCert>): Promise<void> {
        const e = this.entry(key);
        while (e.filling) await e.filling;
        if (e.certs.length >= this.size) return;
        e.filling = (async () => {
            const missing = this.size - e.certs.length;
            const minted = await Promise.all(Array.from({ length: missing }, () => mint()));
            e.certs.push(...minted);
        })();
        try {
            await e.filling;
        } finally {
            e.filling = undefined;
        }
    }

    /** The next certificate of `key`, minting the pool first if it is empty. */
    async take(key: string, mint: () => Promise<IssuedCert>): Promise<IssuedCert> {
        const e = this.entry(key);
        if (e.certs.length < this.size) await this.prefill(key, mint);
        const cert = e.certs[e.next % e.certs.length] as IssuedCert;
        e.next = (e.next + 1) % e.certs.length;
        return cert;
    }

    /** Every pre-minted certificate (for revocation bookkeeping). */
    all(): IssuedCert[] {
        return [...this.pools.values()].flatMap((e) => e.certs);
    }

    clear(): void {
        this.pools.clear();
    }
}
