export * from "./client";
export * from "./model";
export * from "./providerSupport";
export * from "./resourceProvider";
export * from "./connectionArgs";
export * from "./stackCapture";
export * from "./cron";
