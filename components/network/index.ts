export * from "./IngressController";
export * from "./renderIngressValues";
