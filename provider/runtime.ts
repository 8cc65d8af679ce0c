import type * as pulumi from "@pulumi/pulumi";
export async function configure(_req: pulumi.dynamic.ConfigureRequest): Promise<void> {}
export async function check(_o: any, n: any): Promise<pulumi.dynamic.CheckResult> { return { inputs: n }; }
export async function diff(_i: string, _o: any, _n: any): Promise<pulumi.dynamic.DiffResult> { return { changes: false }; }
export async function create(i: any): Promise<pulumi.dynamic.CreateResult> { return { id: "x", outs: { ...i, pid: process.pid } }; }
export async function read(id: string, p: any): Promise<pulumi.dynamic.ReadResult> { return { id, props: p }; }
export async function update(_i: string, _o: any, n: any): Promise<pulumi.dynamic.UpdateResult> { return { outs: n }; }
export async function deleteResource(_i: string, _p: any): Promise<void> {}
export { deleteResource as delete };
