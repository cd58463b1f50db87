// The kinds of object that own photos (SPEC §3): U, G, T, C and J of the endpoint matrix. The
// endpoint matrix routes by them and the permission matrix decides by them.

/** A user, group, team, contact, or a group reached through a user's joinedGroups. A team's photo is its group's photo. */
export type OwnerKind = 'user' | 'group' | 'team' | 'contact' | 'joinedGroup';
