/**
 * Where credentials come from, defined once as data: the resource's arguments, stack config, then
 * three families of environment variables, then an IAM password. Resolution, the "no credentials"
 * message, the CLI's help and error text, and the list of variables whose values the CLI never
 * prints are all derived from it. Pure: the config and the environment are passed in.
 */
import type { Credentials, Env } from "../huaweicloud/credentials";
import { SettingsError } from "../util/errors";
import type { ConfigSource } from "./settings";
import type { ClusterCertInputs } from "./types";

type Where = "args" | "config" | "env";

/** One place that holds an AK/SK (optionally with a security token) or a token. */
interface Source {
    /** For messages: "ClusterCert args", "stack config", "environment (HW_*)". */
    label: string;
    where: Where;
    accessKey: string;
    secretKey: string;
    securityToken?: string;
    token?: string;
}

/** In order of precedence. */
export const CREDENTIAL_PLACES: readonly Source[] = [
    { label: "ClusterCert args", where: "args", accessKey: "accessKey", secretKey: "secretKey", securityToken: "securityToken", token: "authToken" },
    { label: "stack config", where: "config", accessKey: "huaweicloud:accessKey", secretKey: "huaweicloud:secretKey", securityToken: "huaweicloud:securityToken", token: "huaweicloud:authToken" },
    { label: "environment (HW_*)", where: "env", accessKey: "HW_ACCESS_KEY", secretKey: "HW_SECRET_KEY", securityToken: "HW_SECURITY_TOKEN", token: "HW_AUTH_TOKEN" },
    { label: "environment (HUAWEICLOUD_SDK_*)", where: "env", accessKey: "HUAWEICLOUD_SDK_AK", secretKey: "HUAWEICLOUD_SDK_SK", securityToken: "HUAWEICLOUD_SDK_SECURITY_TOKEN" },
    { label: "environment (CLOUD_SDK_*)", where: "env", accessKey: "CLOUD_SDK_AK", secretKey: "CLOUD_SDK_SK" },
];

/** The IAM password, the last resort: each part from stack config, then the environment. */
export const PASSWORD_SETTINGS = {
    userName: ["huaweicloud:userName", "HW_USER_NAME", "OS_USERNAME"],
    password: ["huaweicloud:password", "HW_USER_PASSWORD", "OS_PASSWORD"],
    domainName: ["huaweicloud:domainName", "HW_DOMAIN_NAME", "OS_DOMAIN_NAME"],
} as const;

const isConfigKey = (name: string): boolean => name.startsWith("huaweicloud:");

function nonEmpty(v: string | undefined): string | undefined {
    return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

function describePlace(p: Source): string {
    const st = p.securityToken !== undefined ? `[/${p.securityToken}]` : "";
    return `${p.accessKey}/${p.secretKey}${st}${p.token !== undefined ? ` or ${p.token}` : ""}`;
}

/** Every place credentials are looked for, in order, as text (`envOnly`: only what the CLI reads). */
export function credentialSourceList(envOnly = false): string[] {
    const places = CREDENTIAL_PLACES.filter((p) => !envOnly || p.where === "env").map((p) => (envOnly ? describePlace(p) : `${p.where === "env" ? "env" : p.label} ${describePlace(p)}`));
    const inConfig = Object.values(PASSWORD_SETTINGS).map((names) => names[0]);
    const inEnv = Object.values(PASSWORD_SETTINGS).map((names) => names[1]);
    return [...places, envOnly ? `${inEnv.join("/")} (IAM password)` : `IAM password: ${inConfig.join("/")} or env ${inEnv.join("/")}`];
}

/** Environment variables that hold secrets: their values are never printed. */
export function secretEnvNames(): string[] {
    const names = CREDENTIAL_PLACES.filter((p) => p.where === "env").flatMap((p) => [p.accessKey, p.secretKey, p.securityToken, p.token]);
    return [...names, ...PASSWORD_SETTINGS.password.filter((n) => !isConfigKey(n))].filter((n): n is string => n !== undefined);
}

function read(where: Where, name: string, inputs: ClusterCertInputs, config: ConfigSource, env: Env): string | undefined {
    const raw = where === "args" ? (inputs as unknown as Record<string, unknown>)[name] : where === "config" ? config.get(name) : env[name];
    return typeof raw === "string" ? nonEmpty(raw) : undefined;
}

/**
 * The credentials to call the API with, read at call time. Places are tried in order; the first
 * that holds an access key, a secret key, a security token or a token is used, and must be complete
 * there (an access key is never paired with a secret key or a security token from another place).
 * The IAM password is the last resort. Throws SettingsError with code "credentials".
 */
export function resolveCredentials(inputs: ClusterCertInputs, config: ConfigSource, env: Env): Credentials {
    for (const p of CREDENTIAL_PLACES) {
        const get = (name: string | undefined) => (name === undefined ? undefined : read(p.where, name, inputs, config, env));
        const [ak, sk, st, token] = [get(p.accessKey), get(p.secretKey), get(p.securityToken), get(p.token)];
        if (ak !== undefined || sk !== undefined) {
            if (ak === undefined || sk === undefined) {
                throw new SettingsError(`incomplete credentials in ${p.label}: ${ak === undefined ? p.accessKey : p.secretKey} is missing (an access key needs its secret key).`, "credentials");
            }
            return { kind: "aksk", accessKey: ak, secretKey: sk, ...(st !== undefined ? { securityToken: st } : {}), source: p.label };
        }
        if (st !== undefined) {
            // A security token belongs to temporary AK/SK of the same place: never paired with keys from elsewhere.
            throw new SettingsError(`incomplete credentials in ${p.label}: ${p.securityToken} is set without ${p.accessKey} and ${p.secretKey} (a security token belongs to temporary AK/SK).`, "credentials");
        }
        if (token !== undefined) return { kind: "token", token, source: p.label };
    }
    const first = (names: readonly string[]) => names.map((n) => read(isConfigKey(n) ? "config" : "env", n, inputs, config, env)).find((v) => v !== undefined);
    const userName = first(PASSWORD_SETTINGS.userName);
    const password = first(PASSWORD_SETTINGS.password);
    const domainName = first(PASSWORD_SETTINGS.domainName);
    if (userName !== undefined && password !== undefined && domainName !== undefined) {
        return { kind: "password", userName, password, domainName, source: "IAM password" };
    }
    throw new SettingsError(`no Huawei Cloud credentials found. Looked in, in order: ${credentialSourceList().join("; ")}.`, "credentials");
}
