/**
 * Credentials kept among a resource's outputs. Delete receives only the stored outputs, so that
 * `revokeOnDelete` revokes with the credentials the resource was given (a stack may hold several
 * accounts), credentials passed as arguments are kept among the outputs while it is set: secret,
 * like the inputs they come from. Pure.
 */
import { CREDENTIAL_INPUTS, type ClusterCertInputs } from "./types";

/** The credential arguments a state may hold. */
export type StoredCredentials = Partial<Pick<ClusterCertInputs, (typeof CREDENTIAL_INPUTS)[number]>>;

/** What to keep of `inputs`' credentials: all those given, while `revokeOnDelete` is set; else none. */
export function credentialsToStore(inputs: ClusterCertInputs): StoredCredentials {
    if (!inputs.revokeOnDelete) return {};
    return credentialsIn(inputs);
}

/** The credential arguments present in `o` (inputs or stored outputs). */
export function credentialsIn(o: StoredCredentials): StoredCredentials {
    return Object.fromEntries(CREDENTIAL_INPUTS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** `o` without any credential argument. */
export function withoutCredentials<T extends StoredCredentials>(o: T): Omit<T, (typeof CREDENTIAL_INPUTS)[number]> {
    const { accessKey: _a, secretKey: _s, securityToken: _t, authToken: _k, ...rest } = o;
    return rest;
}

/** Whether the stored credentials differ from those `inputs` would store. */
export function credentialsChanged(stored: StoredCredentials, inputs: ClusterCertInputs): boolean {
    const next = credentialsToStore(inputs);
    return CREDENTIAL_INPUTS.some((k) => (stored[k] ?? undefined) !== (next[k] ?? undefined));
}
