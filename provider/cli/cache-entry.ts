/**
 * The content of one certificate cache file and the checks it must pass before its certificate is
 * handed to kubectl: the current format, the identity, cluster, endpoint and project (or region)
 * it was asked for, a certificate that parses and a key that belongs to it, and recorded validity
 * and fingerprint that are the certificate's own. Pure: no I/O, no clock (freshness is `cache.ts`).
 */
import { createHash } from "node:crypto";
import { CertificateError, inspectClientCertificate } from "../kube/certificate";
import type { ClusterCertState } from "../core/types";
import { CACHE_FORMAT, type CacheKeyParts } from "./cache-key";

/** Largest cache file read (an entry is about 10 KiB with an RSA key); a larger one is a bad entry. */
export const CACHE_ENTRY_MAX_BYTES = 64 * 1024;

/** What a cache file holds. */
export interface CacheEntry {
    format: number;
    savedAt: string;
    /**
     * `identityDigest` of `identityOf` the credentials that minted it: binds the entry to them
     * without writing the access key id (which the CLI never prints) to disk.
     */
    identity: string;
    state: ClusterCertState;
}

/** A usable entry's state, or why the file is not one (no secret, no PEM: safe to log). */
export type EntryCheck = { ok: true; state: ClusterCertState } | { ok: false; reason: string };

const REQUIRED_STRINGS = ["clusterId", "projectId", "endpoint", "kubeconfig", "clientCertificate", "clientKey", "server", "issuedAt", "expiresAt", "userId", "fingerprint"] as const;

/** `sha256:<hex>` of an `identityOf` string: what an entry records. */
export function identityDigest(identity: string): string {
    return `sha256:${createHash("sha256").update(identity).digest("hex")}`;
}

/** The text of a cache file holding `state` for `identity` (an `identityOf` string). */
export function renderEntry(state: ClusterCertState, identity: string, savedAt: Date): string {
    const entry: CacheEntry = { format: CACHE_FORMAT, savedAt: savedAt.toISOString(), identity: identityDigest(identity), state };
    return `${JSON.stringify(entry)}\n`;
}

function bad(reason: string): EntryCheck {
    return { ok: false, reason };
}

/** Which of the requested parts the state contradicts, if any. */
function mismatch(state: ClusterCertState, parts: CacheKeyParts): string | undefined {
    if (state.clusterId !== parts.clusterId) return "it is for another cluster";
    if (state.endpoint !== parts.endpoint) return "it is for another endpoint";
    if (parts.projectId !== undefined && state.projectId !== parts.projectId) return "it is for another project";
    if (parts.projectId === undefined && parts.region !== undefined && state.region !== parts.region) return "it is for another region";
    return undefined;
}

/** Checks a cache file's text against what was asked for; see the module comment. */
export function checkEntry(text: string, parts: CacheKeyParts): EntryCheck {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        return bad("it is not JSON");
    }
    if (doc === null || typeof doc !== "object") return bad("it is not a cache entry");
    const entry = doc as Partial<Record<keyof CacheEntry, unknown>>;
    if (entry.format !== CACHE_FORMAT) return bad(`it is not of cache format ${CACHE_FORMAT}`);
    if (entry.identity !== identityDigest(parts.identity)) return bad("it was minted for another identity");
    if (entry.state === null || typeof entry.state !== "object") return bad("it holds no certificate");
    const fields = entry.state as Record<string, unknown>;
    for (const k of REQUIRED_STRINGS) if (typeof fields[k] !== "string" || fields[k] === "") return bad(`its ${k} is missing`);
    const state = entry.state as ClusterCertState;
    const wrong = mismatch(state, parts);
    if (wrong !== undefined) return bad(wrong);
    let info;
    try {
        info = inspectClientCertificate(state.clientCertificate, state.clientKey);
    } catch (e) {
        if (e instanceof CertificateError) return bad(e.message);
        return bad("its certificate cannot be read");
    }
    if (info.notBefore.toISOString() !== state.issuedAt || info.notAfter.toISOString() !== state.expiresAt) {
        return bad("its recorded validity is not its certificate's");
    }
    if (info.fingerprint !== state.fingerprint) return bad("its recorded fingerprint is not its certificate's");
    return { ok: true, state };
}
