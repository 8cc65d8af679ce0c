/**
 * The error a provider RPC rejects with, decoded like the engine does (pkg/resource/plugin/
 * provider_plugin.go `parseError`): the message is the gRPC status message, i.e. what the user
 * reads after `error: `; a `pulumirpc.ErrorResourceInitFailed` detail (sent by the dynamic-provider
 * host in `grpc-status-details-bin` when a create/update error carries an `id`) is a partial failure.
 */
import * as grpc from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { fromStruct, type PropertyMap } from "./properties";

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/** Content of a `pulumirpc.ErrorResourceInitFailed` detail. */
export interface ResourceInitFailure {
    id: string;
    properties: PropertyMap;
    reasons: string[];
    inputs?: PropertyMap;
}

export class ProviderError extends Error {
    /** The RPC that failed, e.g. "create". */
    readonly method: string;
    /** The gRPC status code (grpc.status). */
    readonly code: number;
    /** The gRPC status name, e.g. "UNKNOWN". */
    readonly codeName: string;
    /** Present when the resource was created but failed to initialize (a partial failure). */
    readonly initFailure: ResourceInitFailure | undefined;

    constructor(method: string, code: number, message: string, initFailure?: ResourceInitFailure) {
        super(message);
        this.name = "ProviderError";
        this.method = method;
        this.code = code;
        this.codeName = grpc.status[code] ?? String(code);
        this.initFailure = initFailure;
    }
}

function isServiceError(e: unknown): e is grpc.ServiceError {
    return e instanceof Error && typeof (e as Partial<grpc.ServiceError>).code === "number";
}

function decodeInitFailure(metadata: grpc.Metadata | undefined): ResourceInitFailure | undefined {
    const raw = metadata?.get("grpc-status-details-bin") ?? [];
    for (const value of raw) {
        if (typeof value === "string") {
            continue;
        }
        const status = statusproto.Status.deserializeBinary(new Uint8Array(value));
        for (const detail of status.getDetailsList()) {
            const msg = detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, INIT_FAILED_TYPE);
            if (msg) {
                const inputs = msg.getInputs();
                return {
                    id: msg.getId(),
                    properties: fromStruct(msg.getProperties()),
                    reasons: msg.getReasonsList(),
                    ...(inputs ? { inputs: fromStruct(inputs) } : {}),
                };
            }
        }
    }
    return undefined;
}

/** Converts whatever a gRPC call failed with into a ProviderError. */
export function toProviderError(method: string, e: unknown): ProviderError {
    if (isServiceError(e)) {
        return new ProviderError(method, e.code, e.details, decodeInitFailure(e.metadata));
    }
    const message = e instanceof Error ? e.message : String(e);
    return new ProviderError(method, grpc.status.UNKNOWN, message);
}
