/**
 * Where each setting comes from: resource arguments, then the stack's `huaweicloud:*` config
 * (handed to the provider by `configure`), then environment variables. Pure: the config and the
 * environment are passed in, so nothing here is captured or read at import time.
 */
import { cloudProblem, defaultCloud, defaultEndpoint, idProblem, normalizeEndpoint, regionProblem } from "../huaweicloud/endpoints";
import { endpointProblem } from "../util/url";
import { quote } from "../util/text";
import type { Env } from "../huaweicloud/credentials";
import { SettingsError } from "../util/errors";
import { DEFAULT_MAX_RETRIES, MAX_RETRIES_LIMIT } from "./defaults";
import type { ClusterCertInputs } from "./types";


/** Read access to stack config; keys are namespaced (`huaweicloud:region`). */
export interface ConfigSource {
    get(key: string): string | undefined;
}

export const EMPTY_CONFIG: ConfigSource = { get: () => undefined };

function nonEmpty(v: string | undefined): string | undefined {
    return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
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

/** Retries after the first attempt: input, then `huaweicloud:maxRetries`, then HW_MAX_RETRIES, else 5 (at most 20). */
export function resolveMaxRetries(inputs: Pick<ClusterCertInputs, "maxRetries">, config: ConfigSource, env: Env): number {
    if (typeof inputs.maxRetries === "number") return inputs.maxRetries;
    const found = firstValid(
        [["huaweicloud:maxRetries", config.get("huaweicloud:maxRetries")], ["HW_MAX_RETRIES", env.HW_MAX_RETRIES]],
        (v) => (/^\d{1,2}$/.test(v) && Number(v) <= MAX_RETRIES_LIMIT ? undefined : `must be a whole number from 0 to ${MAX_RETRIES_LIMIT}`),
    );
    return found === undefined ? DEFAULT_MAX_RETRIES : Number(found.value);
}

