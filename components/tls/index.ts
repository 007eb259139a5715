export * from "./CertManager";
export * from "./HarborCertificates";
