/**
 * Just enough of OpenPGP (RFC 4880 section 4, packet headers) to check that a configured value is
 * a public key as `vault operator init -recovery-pgp-keys` reads it: the base64 of a binary key
 * export (`gpg --export <id> | base64`; vault helper/pgpkeys `ReadPGPFile` decodes base64), and to
 * read its user IDs. Nothing here verifies signatures: Vault does the encryption.
 */

/** Packet tags (RFC 4880 4.3). */
export const PGP_TAGS = { publicKey: 6, userId: 13 } as const;

export interface PgpPacket {
  readonly tag: number;
  readonly body: Buffer;
}

/** The packets of a binary OpenPGP message; throws on a malformed header or a truncated body. */
export function pgpPackets(bytes: Buffer): PgpPacket[] {
  const packets: PgpPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = bytes[at];
    if ((header & 0x80) === 0) throw new Error(`byte ${at} is not an OpenPGP packet header`);
    let tag: number;
    let length: number;
    let start: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = bytes[at + 1];
      if (first < 192) [length, start] = [first, at + 2];
      else if (first < 224) [length, start] = [((first - 192) << 8) + bytes[at + 2] + 192, at + 3];
      else if (first === 255) [length, start] = [bytes.readUInt32BE(at + 2), at + 6];
      else throw new Error("partial body lengths do not occur in a key export");
    } else {
      tag = (header >> 2) & 0x0f;
      const type = header & 0x03;
      if (type === 3) throw new Error("indeterminate lengths do not occur in a key export");
      const size = [1, 2, 4][type];
      length = size === 1 ? bytes[at + 1] : size === 2 ? bytes.readUInt16BE(at + 1) : bytes.readUInt32BE(at + 1);
      start = at + 1 + size;
    }
    if (start + length > bytes.length) throw new Error(`packet at byte ${at} runs past the end`);
    packets.push({ tag, body: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return packets;
}

/**
 * What is wrong with a value for `-recovery-pgp-keys`, or undefined if it is a base64 public key
 * export with a user ID.
 */
export function pgpPublicKeyProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return "the base64 of a binary public key (gpg --export <key id> | base64 -w0)";
  try {
    const packets = pgpPackets(Buffer.from(value, "base64"));
    if (packets[0]?.tag !== PGP_TAGS.publicKey) return "a public key export (its first packet must be a public key, not a secret key or a message)";
    if (!packets.some((p) => p.tag === PGP_TAGS.userId)) return "a public key export with its user ID";
    return undefined;
  } catch (err) {
    return `a well-formed public key export (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** The user IDs of a base64 key export (`Name <mail>`); empty if it cannot be read. */
export function pgpUserIds(value: string): string[] {
  try {
    return pgpPackets(Buffer.from(value, "base64")).filter((p) => p.tag === PGP_TAGS.userId).map((p) => p.body.toString("utf8"));
  } catch {
    return [];
  }
}
