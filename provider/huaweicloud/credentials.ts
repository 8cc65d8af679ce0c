/**
 * What the Huawei Cloud client authenticates with, and the environment it reads (proxies, extra
 * CAs). Where credentials come from is decided above, in `core/settings.ts`. Pure types.
 */

/** Environment variables, as `process.env` holds them (passed in, never read here). */
export type Env = Readonly<Record<string, string | undefined>>;

export type Credentials =
    | { kind: "aksk"; accessKey: string; secretKey: string; securityToken?: string; source: string }
    | { kind: "token"; token: string; source: string }
    | { kind: "password"; domainName: string; userName: string; password: string; source: string };

/** Every credential value in play, for redaction of anything a user might see. */
export function credentialValues(c: Credentials): string[] {
    switch (c.kind) {
        case "aksk":
            return [c.accessKey, c.secretKey, ...(c.securityToken ? [c.securityToken] : [])];
        case "token":
            return [c.token];
        case "password":
            return [c.password];
    }
}
