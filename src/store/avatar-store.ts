// The avatar index port (SPEC §8): users by the hash of their mail or userPrincipalName.

/** A user whose mail or userPrincipalName hashes to an avatar URL's hash. */
export interface AvatarCandidate {
  tenantId: string;
  userId: string;
  displayName: string;
  matchedOn: 'mail' | 'userPrincipalName';
}

export interface AvatarStore {
  /**
   * Users of every tenant whose trimmed, lower-cased mail or userPrincipalName has this MD5 or
   * SHA-256 digest (lower-case hex). The index follows every create, update and delete of a user.
   */
  findByEmailHash(hash: string): Promise<AvatarCandidate[]>;
}
