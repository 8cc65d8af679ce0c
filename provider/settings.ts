/**
 * Where each setting comes from: resource arguments, then the stack's `huaweicloud:*` config
 * (handed to the provider by `configure`), then environment variables. Pure: the config and the
 * environment are passed in, so nothing here is captured or read at import time.
 */
import { cloudProblem, defaultCloud, defaultEndpoint, endpointProblem, idProblem, normalizeEndpoint, regionProblem } from "./endpoints";
import { quote } from "./text";
import type { ClusterCertInputs } from "./types";

/** Read access to stack config; keys are namespaced (`huaweicloud:region`). */
export interface ConfigSource {
    get(key: string): string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const EMPTY_CONFIG: ConfigSource = { get: () => undefined };

/** Thrown when a setting is missing or invalid; the message says where it was looked for or found. */
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

/** A setting's value and where it came from (an argument name, a config key or an environment variable). */
interface Sourced {
    value: string;
    source: string;
}

/** The first non-empty candidate, checked by `problem`; throws SettingsError naming its source. */
function firstValid(candidates: readonly (readonly [source: string, value: string | undefined])[], problem: (v: string) => string | undefined, echo = true): Sourced | undefined {
    for (const [source, raw] of candidates) {
        const value = nonEmpty(raw);
        if (value === undefined) continue;
        const why = problem(value);
        if (why !== undefined) throw new SettingsError(`${source}${echo ? ` ${quote(value, 80)}` : ""} ${why}`);
        return { value, source };
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
    return firstValid(
        [["region", inputs.region], ["huaweicloud:region", config.get("huaweicloud:region")], ["HW_REGION_NAME", env.HW_REGION_NAME], ["OS_REGION_NAME", env.OS_REGION_NAME]],
        regionProblem,
    )?.value;
}

export function resolveProjectId(inputs: Pick<ClusterCertInputs, "projectId">, config: ConfigSource, env: Env): string | undefined {
    return firstValid(
        [
            ["projectId", inputs.projectId],
            ["huaweicloud:projectId", config.get("huaweicloud:projectId")],
            ["HW_PROJECT_ID", env.HW_PROJECT_ID],
            ["OS_PROJECT_ID", env.OS_PROJECT_ID],
            ["HUAWEICLOUD_SDK_PROJECT_ID", env.HUAWEICLOUD_SDK_PROJECT_ID],
        ],
        idProblem,
    )?.value;
}

/**
 * Region, cloud, project and endpoints for a resource. Every value, whatever its source, passes the
 * same checks as the resource's arguments (`endpoints.ts`); throws SettingsError naming the source
 * of a bad value, or the places looked in when a needed one is missing.
 */
export function resolveTarget(inputs: ClusterCertInputs, config: ConfigSource, env: Env): Target {
    const region = resolveRegion(inputs, config, env);
    const cloudSetting = firstValid([["huaweicloud:cloud", config.get("huaweicloud:cloud")], ["HW_CLOUD", env.HW_CLOUD]], cloudProblem)?.value;
    const cloud = cloudSetting ?? (region !== undefined ? defaultCloud(region) : "myhuaweicloud.com");
    const projectId = resolveProjectId(inputs, config, env);
    const explicitEndpoint = firstValid([["endpoint", inputs.endpoint]], endpointProblem, false)?.value;
    const explicitIam = firstValid(
        [["iamEndpoint", inputs.iamEndpoint], ["huaweicloud:iamEndpoint", config.get("huaweicloud:iamEndpoint")], ["HW_IAM_ENDPOINT", env.HW_IAM_ENDPOINT]],
        endpointProblem,
        false,
    )?.value;
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
    /** Name of the security-token setting, when the level has one. */
    stName?: string;
}

/**
 * The credentials to call the API with, read at call time. Levels are tried in order; the first
 * that holds an access key, a secret key, a security token or a token is used, and must be complete
 * (an access key is never paired with a secret key or a security token from another level). The IAM
 * password is the last resort; its user name, password and account name are each read from stack
 * config, then the environment.
 */
export function resolveCredentials(inputs: ClusterCertInputs, config: ConfigSource, env: Env): Credentials {
    const levels: Level[] = [
        {
            source: "ClusterCert args",
            ak: inputs.accessKey, sk: inputs.secretKey, securityToken: inputs.securityToken, token: inputs.authToken,
            akName: "accessKey", skName: "secretKey", stName: "securityToken",
        },
        {
            source: "stack config",
            ak: config.get("huaweicloud:accessKey"), sk: config.get("huaweicloud:secretKey"),
            securityToken: config.get("huaweicloud:securityToken"), token: config.get("huaweicloud:authToken"),
            akName: "huaweicloud:accessKey", skName: "huaweicloud:secretKey", stName: "huaweicloud:securityToken",
        },
        {
            source: "environment (HW_*)",
            ak: env.HW_ACCESS_KEY, sk: env.HW_SECRET_KEY, securityToken: env.HW_SECURITY_TOKEN, token: env.HW_AUTH_TOKEN,
            akName: "HW_ACCESS_KEY", skName: "HW_SECRET_KEY", stName: "HW_SECURITY_TOKEN",
        },
        {
            source: "environment (HUAWEICLOUD_SDK_*)",
            ak: env.HUAWEICLOUD_SDK_AK, sk: env.HUAWEICLOUD_SDK_SK, securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN,
            akName: "HUAWEICLOUD_SDK_AK", skName: "HUAWEICLOUD_SDK_SK", stName: "HUAWEICLOUD_SDK_SECURITY_TOKEN",
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
        if (nonEmpty(level.securityToken) !== undefined) {
            // A security token belongs to temporary AK/SK of the same place: never paired with keys from elsewhere.
            throw new SettingsError(`incomplete credentials in ${level.source}: ${level.stName} is set without ${level.akName} and ${level.skName} (a security token belongs to temporary AK/SK).`);
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

/** Retries after the first attempt: input, then `huaweicloud:maxRetries`, then HW_MAX_RETRIES, else 5 (at most 20). */
export function resolveMaxRetries(inputs: Pick<ClusterCertInputs, "maxRetries">, config: ConfigSource, env: Env): number {
    if (typeof inputs.maxRetries === "number") return inputs.maxRetries;
    const found = firstValid(
        [["huaweicloud:maxRetries", config.get("huaweicloud:maxRetries")], ["HW_MAX_RETRIES", env.HW_MAX_RETRIES]],
        (v) => (/^\d{1,2}$/.test(v) && Number(v) <= MAX_RETRIES_LIMIT ? undefined : `must be a whole number from 0 to ${MAX_RETRIES_LIMIT}`),
    );
    return found === undefined ? DEFAULT_MAX_RETRIES : Number(found.value);
}

export const DEFAULT_MAX_RETRIES = 5;
export const MAX_RETRIES_LIMIT = 20;

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
