/**
 * Where each setting comes from: resource arguments, then the stack's `huaweicloud:*` config
 * (handed to the provider by `configure`), then environment variables. Pure: the config and the
 * environment are passed in, so nothing here is captured or read at import time.
 */
import { defaultCloud, defaultEndpoint, normalizeEndpoint } from "./endpoints";
import type { ClusterCertInputs } from "./types";

/** Read access to stack config; keys are namespaced (`huaweicloud:region`). */
export interface ConfigSource {
    get(key: string): string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const EMPTY_CONFIG: ConfigSource = { get: () => undefined };

/** Thrown when a required setting is missing; the message says where it was looked for. */
export class SettingsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SettingsError";
    }
}

function nonEmpty(v: string | undefined): string | undefined {
    return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

function firstOf(...values: (string | undefined)[]): string | undefined {
    for (const v of values) {
        const s = nonEmpty(v);
        if (s !== undefined) return s;
    }
    return undefined;
}

export interface Target {
    region?: string;
    cloud: string;
    /** Undefined when it must be discovered from the region through IAM. */
    projectId?: string;
    endpoint: string;
    iamEndpoint?: string;
}

export function resolveRegion(inputs: Pick<ClusterCertInputs, "region">, config: ConfigSource, env: Env): string | undefined {
    return firstOf(inputs.region, config.get("huaweicloud:region"), env.HW_REGION_NAME, env.OS_REGION_NAME);
}

export function resolveProjectId(inputs: Pick<ClusterCertInputs, "projectId">, config: ConfigSource, env: Env): string | undefined {
    return firstOf(inputs.projectId, config.get("huaweicloud:projectId"), env.HW_PROJECT_ID, env.OS_PROJECT_ID, env.HUAWEICLOUD_SDK_PROJECT_ID);
}

/** Region, cloud, project and endpoints for a resource; throws SettingsError when they cannot be known. */
export function resolveTarget(inputs: ClusterCertInputs, config: ConfigSource, env: Env): Target {
    const region = resolveRegion(inputs, config, env);
    const cloudSetting = firstOf(config.get("huaweicloud:cloud"), env.HW_CLOUD);
    const cloud = cloudSetting ?? (region !== undefined ? defaultCloud(region) : "myhuaweicloud.com");
    const projectId = resolveProjectId(inputs, config, env);
    const explicitEndpoint = nonEmpty(inputs.endpoint);
    const explicitIam = firstOf(inputs.iamEndpoint, config.get("huaweicloud:iamEndpoint"), env.HW_IAM_ENDPOINT);
    if (region === undefined && (explicitEndpoint === undefined || projectId === undefined)) {
        throw new SettingsError(
            "region is not set: pass `region` to the ClusterCert, run `pulumi config set huaweicloud:region <region>` " +
                "(e.g. eu-west-0), or export HW_REGION_NAME. (With an explicit `endpoint` and `projectId` no region is needed.)",
        );
    }
    const endpoint = normalizeEndpoint(explicitEndpoint ?? defaultEndpoint("cce", region as string, cloud));
    const iamEndpoint =
        explicitIam !== undefined ? normalizeEndpoint(explicitIam) : region !== undefined ? defaultEndpoint("iam", region, cloud) : undefined;
    return { region, cloud, projectId, endpoint, iamEndpoint };
}

export type Credentials =
    | { kind: "aksk"; accessKey: string; secretKey: string; securityToken?: string; source: string }
    | { kind: "token"; token: string; source: string }
    | { kind: "password"; domainName: string; userName: string; password: string; source: string };

/** Where credentials are looked for, in order; used in the "no credentials" message. */
export const CREDENTIAL_SOURCES = [
    "ClusterCert args accessKey/secretKey[/securityToken] or authToken",
    "stack config huaweicloud:accessKey/secretKey[/securityToken] or huaweicloud:authToken",
    "env HW_ACCESS_KEY/HW_SECRET_KEY[/HW_SECURITY_TOKEN] or HW_AUTH_TOKEN",
    "env HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK[/HUAWEICLOUD_SDK_SECURITY_TOKEN]",
    "env CLOUD_SDK_AK/CLOUD_SDK_SK",
    "IAM password: huaweicloud:userName/password/domainName or env HW_USER_NAME/HW_USER_PASSWORD/HW_DOMAIN_NAME",
] as const;

interface Level {
    source: string;
    ak?: string;
    sk?: string;
    token?: string;
    securityToken?: string;
    akName: string;
    skName: string;
}

/**
 * The credentials to call the API with, read at call time. The first level that has any
 * credential wins as a whole (an access key from args is never paired with a secret key from env).
 */
export function resolveCredentials(inputs: ClusterCertInputs, config: ConfigSource, env: Env): Credentials {
    const levels: Level[] = [
        {
            source: "ClusterCert args",
            ak: inputs.accessKey, sk: inputs.secretKey, securityToken: inputs.securityToken, token: inputs.authToken,
            akName: "accessKey", skName: "secretKey",
        },
        {
            source: "stack config",
            ak: config.get("huaweicloud:accessKey"), sk: config.get("huaweicloud:secretKey"),
            securityToken: config.get("huaweicloud:securityToken"), token: config.get("huaweicloud:authToken"),
            akName: "huaweicloud:accessKey", skName: "huaweicloud:secretKey",
        },
        {
            source: "environment (HW_*)",
            ak: env.HW_ACCESS_KEY, sk: env.HW_SECRET_KEY, securityToken: env.HW_SECURITY_TOKEN, token: env.HW_AUTH_TOKEN,
            akName: "HW_ACCESS_KEY", skName: "HW_SECRET_KEY",
        },
        {
            source: "environment (HUAWEICLOUD_SDK_*)",
            ak: env.HUAWEICLOUD_SDK_AK, sk: env.HUAWEICLOUD_SDK_SK, securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN,
            akName: "HUAWEICLOUD_SDK_AK", skName: "HUAWEICLOUD_SDK_SK",
        },
        {
            source: "environment (CLOUD_SDK_*)",
            ak: env.CLOUD_SDK_AK, sk: env.CLOUD_SDK_SK,
            akName: "CLOUD_SDK_AK", skName: "CLOUD_SDK_SK",
        },
    ];
    for (const level of levels) {
        const ak = nonEmpty(level.ak);
        const sk = nonEmpty(level.sk);
        const token = nonEmpty(level.token);
        if (ak !== undefined || sk !== undefined) {
            if (ak === undefined || sk === undefined) {
                const missing = ak === undefined ? level.akName : level.skName;
                throw new SettingsError(`incomplete credentials in ${level.source}: ${missing} is missing (an access key needs its secret key).`);
            }
            const securityToken = nonEmpty(level.securityToken);
            return { kind: "aksk", accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}), source: level.source };
        }
        if (token !== undefined) return { kind: "token", token, source: level.source };
    }
    const userName = firstOf(config.get("huaweicloud:userName"), env.HW_USER_NAME, env.OS_USERNAME);
    const password = firstOf(config.get("huaweicloud:password"), env.HW_USER_PASSWORD, env.OS_PASSWORD);
    const domainName = firstOf(config.get("huaweicloud:domainName"), env.HW_DOMAIN_NAME, env.OS_DOMAIN_NAME);
    if (userName !== undefined && password !== undefined && domainName !== undefined) {
        return { kind: "password", userName, password, domainName, source: "IAM password" };
    }
    throw new SettingsError(`no Huawei Cloud credentials found. Looked in, in order: ${CREDENTIAL_SOURCES.join("; ")}.`);
}

/** Retries after the first attempt: input, then `huaweicloud:maxRetries`, then HW_MAX_RETRIES, else 5. */
export function resolveMaxRetries(inputs: Pick<ClusterCertInputs, "maxRetries">, config: ConfigSource, env: Env): number {
    if (typeof inputs.maxRetries === "number") return inputs.maxRetries;
    const raw = firstOf(config.get("huaweicloud:maxRetries"), env.HW_MAX_RETRIES);
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isInteger(n) && n >= 0 ? n : 5;
}

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
