/**
 * Trust policy letting one Kubernetes service account assume a role through the cluster's OIDC provider (IRSA).
 * Every tier that gives a pod an AWS role (cert-manager, CSI drivers, the load balancer controller, backups)
 * uses this one, so the `sub`/`aud` conditions cannot drift between them. Pure.
 */
export function renderIrsaTrustPolicy(
  oidcProviderArn: string,
  oidcIssuerUrl: string,
  namespace: string,
  serviceAccount: string,
): Record<string, unknown> {
  const issuer = oidcIssuerUrl.replace(/^https:\/\//, "");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}
