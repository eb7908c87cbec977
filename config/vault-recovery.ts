/** Who can recover Vault: the operators' PGP keys its recovery key shares are encrypted to. */
import type { ConfigReader } from ".";
import { pgpPublicKeyProblem } from "../lib/pgp";

export interface VaultRecoverySettings {
  /**
   * Base64 public key exports, one per operator; `vault operator init` splits the recovery key
   * into one share per key, each encrypted to its key (components/secrets/bootstrap/).
   */
  readonly pgpKeys: readonly string[];
  /** Shares needed to recover: a majority of the keys. */
  readonly threshold: number;
}

/** A majority of `shares`: no operator alone can recover Vault once there are two, one loss is survivable from three. */
export function recoveryThreshold(shares: number): number {
  return Math.floor(shares / 2) + 1;
}

/** `vaultRecoveryPgpKeys`: up to 10 keys; at least one when the secrets backend is `vault`. */
export function readVaultRecovery(r: ConfigReader, backend: string | undefined): VaultRecoverySettings {
  const key = "vaultRecoveryPgpKeys";
  const pgpKeys = r.list(key, { minItems: 0, maxItems: 10, what: "base64 PGP public keys", check: pgpPublicKeyProblem }) ?? [];
  r.rule(
    backend !== "vault" || pgpKeys.length > 0,
    `Configuration '${r.fullKey(key)}' is empty, but 'ecommerce:secretsBackend' is vault: give at least one operator's public key (gpg --export <key id> | base64 -w0), which Vault's recovery key shares are encrypted to`,
  );
  return { pgpKeys, threshold: recoveryThreshold(Math.max(pgpKeys.length, 1)) };
}
