// The graph the bench's "longest creation chain" is measured on: how many resources `pulumi up` must
// create one after another on a first deployment.
//
// Definition. A custom resource can be created only after (1) every resource in its `dependencies` (input
// dependencies and explicit dependsOn; depending on a component means depending on every custom resource
// below it), (2) its explicit provider, and (3) its parent when that parent is a CUSTOM resource: the SDK
// awaits the parent's URN, which the engine returns only once the parent exists (a component parent's URN
// is immediate and costs nothing). The chain's length is the number of custom resources on the longest
// path of these edges: a lower bound on the sequential provider round-trips of a first `pulumi up`.
// engine/creationChain.ts walks (1) and (2); this adds (3) as extra dependencies before calling it.
function creationGraph(graph) {
    const custom = new Set(graph.resources.filter((r) => r.custom).map((r) => r.urn));
    return {
        ...graph,
        resources: graph.resources.map((r) =>
            r.parent && custom.has(r.parent) && !r.dependencies.includes(r.parent) ? { ...r, dependencies: [...r.dependencies, r.parent] } : r,
        ),
    };
}
module.exports = { creationGraph };
