/**
 * What makes a StorageClass an SSD class: the EBS CSI provisioner with an SSD volume type. SDK-free: the
 * SsdStorageClass component, the stack config and the policy pack (through components/facts.ts) share it.
 */

/** The EBS CSI driver's provisioner (the in-tree `kubernetes.io/aws-ebs` is gone since Kubernetes 1.27). */
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

/** Provisioners whose `parameters.type` is an EBS volume type (the in-tree one defaults to gp2). */
export const EBS_PROVISIONERS = [EBS_CSI_PROVISIONER, "kubernetes.io/aws-ebs"] as const;

/** EBS volume types backed by SSD (gp3, gp2, io1, io2); st1, sc1 and standard are magnetic. */
export const SSD_EBS_VOLUME_TYPES = ["gp3", "gp2", "io1", "io2"] as const;

/** EBS volume types backed by magnetic disks (HDD), named in refusals. */
export const HDD_EBS_VOLUME_TYPES = ["st1", "sc1", "standard"] as const;

/**
 * Provisioners of laptop clusters (dev): kind and k3d ship rancher.io/local-path, Docker Desktop
 * docker.io/hostpath. Their volumes are the laptop's own disk; they take no volume type.
 */
export const LOCAL_PROVISIONERS = ["rancher.io/local-path", "docker.io/hostpath"] as const;
