export * from "./CertManager";
export * from "./HarborCertificates";
export * from "./renderCertManagerValues";
