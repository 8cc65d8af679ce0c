/**
 * The certificate cache's key: SHA-256 over the endpoint, the project (or, when the project id is
 * discovered, the region it is discovered from), the cluster and the caller's identity. The
 * identity is the access key id, a hash of the token, or the IAM user name: never a secret. Pure.
 */
import { createHash } from "node:crypto";
import { type Credentials } from "../huaweicloud/credentials";

/**
 * Version of the key derivation (part of the hashed text). Unchanged since format 1, so that a
 * cache file of an older format sits at the same name and is replaced, not left behind.
 */
export const CACHE_KEY_VERSION = 1;

/**
 * Format of a cache file's content. 2: the entry records the identity it was minted for, and is
 * only served after its certificate and key are checked (see `cache-entry.ts`).
 */
export const CACHE_FORMAT = 2;

/** Who the certificate is for, without any secret. */
export function identityOf(c: Credentials): string {
    switch (c.kind) {
        case "aksk":
            return `ak:${c.accessKey}`;
        case "token":
            return `token-sha256:${createHash("sha256").update(c.token).digest("hex")}`;
        case "password":
            return `user:${c.domainName}/${c.userName}`;
    }
}

export interface CacheKeyParts {
    endpoint: string;
    projectId?: string;
    region?: string;
    clusterId: string;
    identity: string;
}

/** 64 hex characters: the cache file's name. */
export function cacheKey(p: CacheKeyParts): string {
    const project = p.projectId !== undefined ? `project:${p.projectId}` : `region:${p.region ?? ""}`;
    return createHash("sha256").update(JSON.stringify([CACHE_KEY_VERSION, p.endpoint, project, p.clusterId, p.identity])).digest("hex");
}
