/**
 * The reference dynamic providers of the host benchmark: one-line shims, like `clusterCertProvider`,
 * that require their runtime by package name at call time (bench/fixtures/official-sdk, a provider
 * written on the official SDK; bench/fixtures/floor, one that does nothing). The host resolves the
 * package from the program folder's node_modules.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";

/** Package name of the fixture runtime; link OFFICIAL_FIXTURE_DIR under this name in a program's node_modules. */
export const OFFICIAL_FIXTURE_PACKAGE = "official-sdk-clustercert-fixture";
/** Directory of the fixture runtime (plain JS, loaded by the host). */
export const OFFICIAL_FIXTURE_DIR: string = path.join(__dirname, "fixtures", "official-sdk");

type Props = Record<string, unknown>;
interface Runtime {
    configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
    check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult>;
    diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
    create(inputs: Props): Promise<pulumi.dynamic.CreateResult>;
    read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult>;
    update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult>;
    delete(id: string, props: Props): Promise<void>;
}

/**
 * One-line shims that require the runtime package `pkg` at call time; their serialized text is the
 * resources' `__provider` (it captures only the package name).
 */
function shims(pkg: string): pulumi.dynamic.ResourceProvider {
    return {
        async configure(req) {
            return (require(pkg) as Runtime).configure(req);
        },
        async check(olds, news) {
            return (require(pkg) as Runtime).check(olds, news);
        },
        async diff(id, olds, news) {
            return (require(pkg) as Runtime).diff(id, olds, news);
        },
        async create(inputs) {
            return (require(pkg) as Runtime).create(inputs);
        },
        async read(id, props) {
            return (require(pkg) as Runtime).read(id, props);
        },
        async update(id, olds, news) {
            return (require(pkg) as Runtime).update(id, olds, news);
        },
        async delete(id, props) {
            return (require(pkg) as Runtime).delete(id, props);
        },
    };
}

/** A provider written on the official SDK (bench/fixtures/official-sdk). */
export const officialSdkProvider = shims(OFFICIAL_FIXTURE_PACKAGE);

/** Package name and directory of the floor fixture: a provider that only answers (bench/fixtures/floor). */
export const FLOOR_FIXTURE_PACKAGE = "floor-clustercert-fixture";
export const FLOOR_FIXTURE_DIR: string = path.join(__dirname, "fixtures", "floor");

/** The floor: outputs of ClusterCert's size without any work, to measure the host's own cost per create. */
export const floorProvider = shims(FLOOR_FIXTURE_PACKAGE);
