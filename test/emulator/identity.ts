/**
 * Who may call the emulator: AK/SK credentials, pre-issued tokens, password users, and the tokens
 * IAM issues to them (`POST /v3/auth/tokens`).
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_DOMAIN_NAME, domainIdFor, type ResolvedCredential, type ResolvedOptions, type ResolvedToken } from "./options";

/** The caller of an authenticated request. */
export interface Identity {
    kind: "aksk" | "token";
    /** IAM user (or agency) id: the CN of the certificates minted for this caller. */
    userId: string;
    userName: string;
    /** For the call log and per-credential throttling: the AK, or "token:" + a prefix of the token. */
    label: string;
    accessKey?: string;
    /** Token scope (CCE routes of other projects answer 403). */
    projectId?: string;
    /** Projects an AK/SK may use (undefined = all). */
    projectIds?: string[];
}

export interface IssuedToken extends ResolvedToken {
    issuedAt: Date;
    expiresAt: Date;
    domainName: string;
    domainId: string;
    projectName?: string;
}

export const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export class IdentityRegistry {
    private readonly credentials = new Map<string, ResolvedCredential>();
    private readonly tokens = new Map<string, ResolvedToken>();
    private readonly issued = new Map<string, IssuedToken>();

    constructor(private readonly options: ResolvedOptions) {
        for (const c of options.credentials) this.credentials.set(c.accessKey, c);
        for (const t of options.tokens) this.tokens.set(t.token, t);
    }

    credential(accessKey: string): ResolvedCredential | undefined {
        return this.credentials.get(accessKey);
    }

    /** The token's record (configured or issued), whether or not it has expired. */
    token(token: string): ResolvedToken | undefined {
        return this.tokens.get(token) ?? this.issued.get(token);
    }

    passwordUser(domainName: string, userName: string): ResolvedOptions["passwordUsers"][number] | undefined {
        return this.options.passwordUsers.find((u) => u.domain === domainName && u.name === userName);
    }

    /** Issues a 24-hour token for a password user, scoped to a project (or to the domain when undefined). */
    issueToken(user: ResolvedOptions["passwordUsers"][number], project: { id: string; name: string } | undefined, now: Date): IssuedToken {
        const token = "MIIemu" + randomBytes(96).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        const record: IssuedToken = {
            token,
            userId: user.userId,
            userName: user.name,
            issuedAt: now,
            expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_MS),
            domainName: user.domain,
            domainId: domainIdFor(user.domain || DEFAULT_DOMAIN_NAME),
            ...(project ? { projectId: project.id, projectName: project.name } : {}),
        };
        this.issued.set(token, record);
        return record;
    }

    identityForCredential(c: ResolvedCredential): Identity {
        return {
            kind: "aksk",
            userId: c.userId,
            userName: c.userName,
            label: c.accessKey,
            accessKey: c.accessKey,
            ...(c.projectIds ? { projectIds: c.projectIds } : {}),
        };
    }

    identityForToken(t: ResolvedToken): Identity {
        return {
            kind: "token",
            userId: t.userId,
            userName: t.userName,
            label: `token:${t.token.slice(0, 12)}`,
            ...(t.projectId !== undefined ? { projectId: t.projectId } : {}),
        };
    }

    /** Every user id known up front (benchmark mode pre-mints certificates for them). */
    knownUserIds(): string[] {
        const ids = new Set<string>();
        for (const c of this.credentials.values()) ids.add(c.userId);
        for (const t of this.tokens.values()) ids.add(t.userId);
        for (const u of this.options.passwordUsers) ids.add(u.userId);
        return [...ids];
    }

    /** The tokens IAM issued so far (tests check that none leaks). */
    issuedTokens(): string[] {
        return [...this.issued.keys()];
    }

    /** Forgets the tokens IAM issued. */
    clearIssuedTokens(): void {
        this.issued.clear();
    }
}
