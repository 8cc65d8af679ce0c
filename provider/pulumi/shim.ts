import type * as pulumi from "@pulumi/pulumi";
import type * as runtime from "./runtime";

/**
 * The dynamic provider object that Pulumi serializes into the state of every `ClusterCert`.
 *
 * Each method is a one-line shim that loads the implementation at call time, inside the
 * dynamic-provider host, from the program's installed copy of this package. The serialized
 * text therefore captures no package object, no credential and no absolute path of this
 * machine (see docs/design.md). Keep it that way: do not reference imported values here.
 */
export const clusterCertProvider: pulumi.dynamic.ResourceProvider = {
    async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).configure(req);
    },
    async check(olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).check(olds, news);
    },
    async diff(id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).diff(id, olds, news);
    },
    async create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).create(inputs);
    },
    async read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).read(id, props);
    },
    async update(id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).update(id, olds, news);
    },
    async delete(id: string, props: any): Promise<void> {
        return (require("pulumi-cce-clustercert/runtime") as typeof runtime).delete(id, props);
    },
};
