/**
 * Property values as they travel between the Pulumi engine and a provider, and the
 * engine's secret bookkeeping for providers that answer `acceptSecrets: false`.
 *
 * Secrets use the wire representation of `@pulumi/pulumi/runtime/rpc`:
 * `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`.
 * `annotateSecrets` follows the engine's `annotateSecrets` in
 * pkg/resource/plugin/provider_plugin.go (recurses into objects present on both sides,
 * otherwise marks the whole value).
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** A JSON-like value. Objects may carry Pulumi's special signature key (secrets, assets...). */
export type PropertyValue = null | boolean | number | string | PropertyValue[] | PropertyObject;
export interface PropertyObject {
    [key: string]: PropertyValue;
}
/** A resource's property bag (inputs or outputs). */
export type PropertyMap = Record<string, PropertyValue>;

/** The key that marks a special value inside an object. */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature value of a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The string the engine sends for a value that is not known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret on the wire. */
export type SecretValue<T extends PropertyValue = PropertyValue> = {
    [SPECIAL_SIG_KEY]: typeof SECRET_SIG;
    value: T;
};

/** Wraps a value in a secret marker (idempotent). */
export function secret<T extends PropertyValue>(value: T): SecretValue<T> {
    if (isSecret(value)) {
        return value as unknown as SecretValue<T>;
    }
    return { [SPECIAL_SIG_KEY]: SECRET_SIG, value } as SecretValue<T>;
}

export function isPlainObject(v: unknown): v is PropertyObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True if `v` is a secret marker. */
export function isSecret(v: unknown): v is SecretValue {
    return isPlainObject(v) && v[SPECIAL_SIG_KEY] === SECRET_SIG;
}

/** True if `v` is an object that is not a special value (the engine's `IsObject()`). */
function isObjectValue(v: unknown): v is PropertyObject {
    return isPlainObject(v) && !(SPECIAL_SIG_KEY in v);
}

/** True if `v` is or contains a secret marker anywhere. */
export function containsSecrets(v: unknown): boolean {
    if (isSecret(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsSecrets);
    }
    if (isPlainObject(v)) {
        return Object.values(v).some(containsSecrets);
    }
    return false;
}

/** Deep copy of `v` with every secret marker replaced by its value (the engine's `removeSecrets`). */
export function stripSecrets(v: PropertyValue): PropertyValue {
    if (isSecret(v)) {
        return stripSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map((e) => stripSecrets(e));
    }
    if (isPlainObject(v)) {
        const out: PropertyObject = {};
        for (const [k, e] of Object.entries(v)) {
            out[k] = stripSecrets(e);
        }
        return out;
    }
    return v;
}

/** `stripSecrets` for a whole property map. */
export function stripSecretsMap(m: PropertyMap): PropertyMap {
    return stripSecrets(m) as PropertyMap;
}

/**
 * Copies "secretness" from `ins` to `outs` (returns a new map): for each key present in both,
 * recurse if both are objects; otherwise, if the input value contains a secret, the whole
 * output value becomes secret. Mirrors the engine for providers that do not accept secrets.
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap | undefined): PropertyMap {
    const result: PropertyMap = { ...outs };
    if (ins === undefined) {
        return result;
    }
    for (const [key, inValue] of Object.entries(ins)) {
        if (!(key in result)) {
            continue;
        }
        const outValue = result[key];
        if (isObjectValue(outValue) && isObjectValue(inValue)) {
            result[key] = annotateSecrets(outValue, inValue);
        } else if (!isSecret(outValue) && containsSecrets(inValue)) {
            result[key] = secret(outValue);
        }
    }
    return result;
}

/** Top-level keys of `m` whose value is or contains a secret. */
export function secretKeys(m: PropertyMap): Set<string> {
    return new Set(Object.keys(m).filter((k) => containsSecrets(m[k])));
}

/** Re-wraps the listed top-level keys of a plain map as secrets. */
export function markSecrets(m: PropertyMap, keys: Iterable<string>): PropertyMap {
    const result: PropertyMap = { ...m };
    for (const k of keys) {
        if (k in result) {
            result[k] = secret(result[k]);
        }
    }
    return result;
}

/** Deep equality of two property values (secret markers included). */
export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((e, i) => deepEqual(e, b[i]));
    }
    if (isPlainObject(a) && isPlainObject(b)) {
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
    }
    return false;
}

/**
 * Converts a value to something `Struct.fromJavaScript` accepts: `undefined` object members are
 * dropped (like the engine's nil handling), `undefined` array elements become null.
 */
function toWire(v: unknown, path: string): PropertyValue {
    if (v === null || typeof v === "string" || typeof v === "boolean") {
        return v;
    }
    if (typeof v === "number") {
        return v;
    }
    if (Array.isArray(v)) {
        return v.map((e, i) => (e === undefined ? null : toWire(e, `${path}[${i}]`)));
    }
    if (typeof v === "object") {
        const out: PropertyObject = {};
        for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
            if (e !== undefined) {
                out[k] = toWire(e, path ? `${path}.${k}` : k);
            }
        }
        return out;
    }
    throw new TypeError(`property ${path || "<root>"}: cannot send a value of type ${typeof v}`);
}

/** Plain JS map → protobuf Struct. */
export function toStruct(m: PropertyMap): Struct {
    return Struct.fromJavaScript(toWire(m, "") as PropertyObject);
}

/** Protobuf Struct (or nothing) → plain JS map. */
export function fromStruct(s: Struct | undefined): PropertyMap {
    if (s === undefined) {
        return {};
    }
    return s.toJavaScript() as PropertyMap;
}

/** The JSON of a value with every secret replaced by "[secret]": what would be stored in plain text. */
export function plainText(v: PropertyValue): string {
    const walk = (x: PropertyValue): PropertyValue => {
        if (isSecret(x)) return "[secret]";
        if (Array.isArray(x)) return x.map(walk);
        if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
        return x;
    };
    return JSON.stringify(walk(v));
}
