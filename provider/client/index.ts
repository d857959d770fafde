export * from "./clock";
export * from "./endpoint";
export * from "./errors";
export * from "./pacer";
export * from "./retry";
export * from "./soda-api";
export * from "./soda-cloud-client";
