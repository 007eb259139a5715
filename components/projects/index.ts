export * from "./renderProjects";
export * from "./HarborProjects";
