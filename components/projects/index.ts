export * from "./renderProjects";
export * from "./project";
export * from "./HarborProjects";
