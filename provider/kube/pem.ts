/**
 * PEM text as it arrives from outside (an API answer, a `--ca-file`): split into blocks, checked
 * for what the field may hold, and re-encoded canonically (64-character lines, `\n`). A field for
 * certificates keeps only CERTIFICATE blocks and refuses a private key; a field for a key holds
 * exactly one unencrypted private key. Pure.
 */
import { ClusterCertError } from "../util/errors";

/** A field's PEM holds something it must not (a private key among certificates, an encrypted key, junk). */
export class PemError extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("bad-data", message, cause !== undefined ? { cause } : {});
    }
}

export interface PemBlock {
    /** e.g. "CERTIFICATE", "RSA PRIVATE KEY". */
    label: string;
    /** The DER bytes. */
    der: Buffer;
}

/** Labels of the private keys kubectl and node accept unencrypted. */
export const PRIVATE_KEY_LABELS = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] as const;

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([\s\S]*?)-----END ([A-Z0-9 ]{1,40})-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block of `text`; throws PemError on a block that is cut off, mislabelled, has headers or is not base64. */
export function pemBlocks(text: string, what: string): PemBlock[] {
    const blocks: PemBlock[] = [];
    let complete = 0;
    for (const m of text.matchAll(BLOCK)) {
        complete++;
        const [, label, body, endLabel] = m as unknown as [string, string, string, string];
        if (label !== endLabel) throw new PemError(`${what} has a PEM block that begins as ${label} and ends as ${endLabel}`);
        if (body.includes(":")) throw new PemError(`${what} has a PEM block with headers (an encrypted ${label}?), which cannot be used`);
        const b64 = body.replace(/\s+/g, "");
        if (b64 === "" || !BASE64.test(b64) || b64.length % 4 !== 0) throw new PemError(`${what} has a ${label} block that is not valid base64`);
        blocks.push({ label, der: Buffer.from(b64, "base64") });
    }
    const begins = text.split("-----BEGIN ").length - 1;
    if (begins !== complete) throw new PemError(`${what} has an incomplete PEM block`);
    return blocks;
}

/** One block as canonical PEM text. */
export function encodePem(block: PemBlock): string {
    const b64 = block.der.toString("base64");
    const lines: string[] = [];
    for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
    return `-----BEGIN ${block.label}-----\n${lines.join("\n")}\n-----END ${block.label}-----\n`;
}

function isPrivateKey(label: string): boolean {
    return label.endsWith("PRIVATE KEY");
}

/**
 * The CERTIFICATE blocks of `text` (at least one), canonically encoded and nothing else. Refuses a
 * private key (it would be written to a CA file or a certificate field) and any other kind of block.
 */
export function certificatesOnly(text: string, what: string): string {
    const blocks = pemBlocks(text, what);
    if (blocks.some((b) => isPrivateKey(b.label))) throw new PemError(`${what} holds a private key: refused (a certificate field must hold certificates only)`);
    const other = blocks.find((b) => b.label !== "CERTIFICATE");
    if (other !== undefined) throw new PemError(`${what} holds a ${other.label} block: only CERTIFICATE blocks are accepted`);
    if (blocks.length === 0) throw new PemError(`${what} holds no PEM certificate`);
    return blocks.map(encodePem).join("");
}

/** The one unencrypted private key of `text`, canonically encoded; refuses anything else alongside it. */
export function privateKeyOnly(text: string, what: string): string {
    const blocks = pemBlocks(text, what);
    const keys = blocks.filter((b) => isPrivateKey(b.label));
    if (keys.some((b) => b.label === "ENCRYPTED PRIVATE KEY")) throw new PemError(`${what} is an encrypted private key, which kubectl cannot use`);
    if (keys.length !== 1) throw new PemError(`${what} holds ${keys.length === 0 ? "no" : keys.length} PEM private key${keys.length === 1 ? "" : "s"}: exactly one is needed`);
    const key = keys[0] as PemBlock;
    if (!(PRIVATE_KEY_LABELS as readonly string[]).includes(key.label)) throw new PemError(`${what} is a ${key.label} block, not a private key kubectl can use`);
    if (blocks.length !== 1) throw new PemError(`${what} holds other PEM blocks besides the private key`);
    return encodePem(key);
}
