/**
 * EC private keys built by hand for the differential check of the key fast path
 * (test/support/crosscheck.ts): SEC1 and PKCS#8 encodings of a key, valid and not, each as node
 * writes it or differing in one way node or OpenSSL may or may not accept.
 */
import type { KeyObject } from "node:crypto";

/** One DER element: tag, definite length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
    const body = Buffer.concat(contents);
    const n = body.length;
    const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
}

export const CURVE_OIDS = { "P-256": "2a8648ce3d030107", "P-384": "2b81040022", "P-521": "2b81040023" } as const;
const CURVE_ORDERS = {
    "P-256": "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    "P-384": "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    "P-521": "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
} as const;

/** SEC1 ECPrivateKey from its parts (undefined: leave the field out). */
function sec1(d: Buffer, curveOid: string | undefined, publicPoint: Buffer | undefined): Buffer {
    return der(
        0x30,
        der(0x02, Buffer.from([1])),
        der(0x04, d),
        ...(curveOid ? [der(0xa0, der(0x06, Buffer.from(curveOid, "hex")))] : []),
        ...(publicPoint ? [der(0xa1, der(0x03, Buffer.from([0]), publicPoint))] : []),
    );
}

function pkcs8Ec(inner: Buffer, curveOid: string): Buffer {
    return der(0x30, der(0x02, Buffer.from([0])), der(0x30, der(0x06, Buffer.from("2a8648ce3d0201", "hex")), der(0x06, Buffer.from(curveOid, "hex"))), der(0x04, inner));
}

function ecParts(k: KeyObject): { d: Buffer; point: Buffer; compressed: Buffer } {
    const jwk = k.export({ format: "jwk" }) as { d: string; x: string; y: string };
    const x = Buffer.from(jwk.x, "base64url");
    const y = Buffer.from(jwk.y, "base64url");
    return { d: Buffer.from(jwk.d, "base64url"), point: Buffer.concat([Buffer.from([4]), x, y]), compressed: Buffer.concat([Buffer.from([2 + ((y[y.length - 1] as number) & 1)]), x]) };
}

/** Hand-built SEC1 and PKCS#8 forms of `own`'s key, valid and not, labelled. */
export function ecKeyVariants(own: KeyObject, other: KeyObject, curve: keyof typeof CURVE_OIDS): [string, string][] {
    const oid = CURVE_OIDS[curve];
    const otherOid = curve === "P-256" ? CURVE_OIDS["P-384"] : CURVE_OIDS["P-256"];
    const a = ecParts(own);
    const b = ecParts(other);
    const order = Buffer.from(CURVE_ORDERS[curve], "hex");
    const zero = Buffer.alloc(a.d.length);
    const out: [string, Buffer, string][] = [
        ["sec1 as node writes it", sec1(a.d, oid, a.point), "EC PRIVATE KEY"],
        ["sec1 without parameters", sec1(a.d, undefined, a.point), "EC PRIVATE KEY"],
        ["sec1 without public key", sec1(a.d, oid, undefined), "EC PRIVATE KEY"],
        ["sec1 with only the scalar", sec1(a.d, undefined, undefined), "EC PRIVATE KEY"],
        ["sec1 with a compressed public key", sec1(a.d, oid, a.compressed), "EC PRIVATE KEY"],
        ["sec1 with the other key's public key", sec1(a.d, oid, b.point), "EC PRIVATE KEY"],
        ["sec1 with the other key's scalar and our public key", sec1(b.d, oid, a.point), "EC PRIVATE KEY"],
        ["sec1 naming another curve", sec1(a.d, otherOid, a.point), "EC PRIVATE KEY"],
        ["sec1 with a zero-padded scalar", sec1(Buffer.concat([Buffer.from([0]), a.d]), oid, a.point), "EC PRIVATE KEY"],
        ["sec1 with scalar 0", sec1(zero, oid, a.point), "EC PRIVATE KEY"],
        ["sec1 with the group order as scalar", sec1(order, oid, a.point), "EC PRIVATE KEY"],
        ["pkcs8 without inner parameters", pkcs8Ec(sec1(a.d, undefined, a.point), oid), "PRIVATE KEY"],
        ["pkcs8 with inner parameters", pkcs8Ec(sec1(a.d, oid, a.point), oid), "PRIVATE KEY"],
        ["pkcs8 with the other key's public key", pkcs8Ec(sec1(a.d, undefined, b.point), oid), "PRIVATE KEY"],
        ["pkcs8 naming another curve", pkcs8Ec(sec1(a.d, undefined, a.point), otherOid), "PRIVATE KEY"],
        ["pkcs8 whose inner parameters name another curve", pkcs8Ec(sec1(a.d, otherOid, a.point), oid), "PRIVATE KEY"],
        ["sec1 under the PKCS#8 label", sec1(a.d, oid, a.point), "PRIVATE KEY"],
        ["pkcs8 under the SEC1 label", pkcs8Ec(sec1(a.d, undefined, a.point), oid), "EC PRIVATE KEY"],
    ];
    return out.map(([label, body, pemLabel]) => [label, `-----BEGIN ${pemLabel}-----\n${(body.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${pemLabel}-----\n`]);
}

