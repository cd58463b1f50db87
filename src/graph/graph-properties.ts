// The structural properties of Graph's v1.0 user and group resources (the reference pages, as
// @microsoft/microsoft-graph-types 2.x lists them), and what Graph returns without $select.
// Clients ask for properties Portrait does not keep (the Graph Toolkit selects `department`,
// `officeLocation`, `userType`…): Graph's own names are answered, with null (or [] for a
// collection) when Portrait has no value; only names Graph does not have are a 400 (SPEC §7).

/** A trailing `[]` marks a collection. */
const USER = `id deletedDateTime aboutMe accountEnabled ageGroup assignedLicenses[] assignedPlans[]
  authorizationInfo birthday businessPhones[] city companyName consentProvidedForMinor country
  createdDateTime creationType customSecurityAttributes department deviceEnrollmentLimit displayName
  employeeHireDate employeeId employeeLeaveDateTime employeeOrgData employeeType externalUserState
  externalUserStateChangeDateTime faxNumber givenName hireDate identities[] imAddresses[] interests[]
  isManagementRestricted isResourceAccount jobTitle lastPasswordChangeDateTime
  legalAgeGroupClassification licenseAssignmentStates[] mail mailboxSettings mailNickname mobilePhone
  mySite officeLocation onPremisesDistinguishedName onPremisesDomainName onPremisesExtensionAttributes
  onPremisesImmutableId onPremisesLastSyncDateTime onPremisesProvisioningErrors[]
  onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
  onPremisesUserPrincipalName otherMails[] passwordPolicies passwordProfile pastProjects[] postalCode
  preferredDataLocation preferredLanguage preferredName print provisionedPlans[] proxyAddresses[]
  responsibilities[] schools[] securityIdentifier serviceProvisioningErrors[] showInAddressList
  signInActivity signInSessionsValidFromDateTime skills[] state streetAddress surname usageLocation
  userPrincipalName userType`;

/** `resourceProvisioningOptions`, `resourceBehaviorOptions` and `creationOptions` are beta's, but v1.0 returns them too. */
const GROUP = `id deletedDateTime allowExternalSenders assignedLabels[] assignedLicenses[]
  autoSubscribeNewMembers classification createdDateTime creationOptions[] description displayName
  expirationDateTime groupTypes[] hasMembersWithLicenseErrors hideFromAddressLists
  hideFromOutlookClients isArchived isAssignableToRole isManagementRestricted isSubscribedByMail
  licenseProcessingState mail mailEnabled mailNickname membershipRule membershipRuleProcessingState
  onPremisesDomainName onPremisesLastSyncDateTime onPremisesNetBiosName onPremisesProvisioningErrors[]
  onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled preferredDataLocation
  preferredLanguage proxyAddresses[] renewedDateTime resourceBehaviorOptions[]
  resourceProvisioningOptions[] securityEnabled securityIdentifier serviceProvisioningErrors[] theme
  uniqueName unseenCount visibility`;

export interface GraphProperties {
  /** Every property name, in the reference page's order. */
  names: readonly string[];
  /** The collection-valued ones: empty is `[]`, not null. */
  collections: ReadonlySet<string>;
}

function properties(list: string): GraphProperties {
  const words = list.split(/\s+/).filter(Boolean);
  return {
    names: words.map((w) => w.replace('[]', '')),
    collections: new Set(words.filter((w) => w.endsWith('[]')).map((w) => w.replace('[]', ''))),
  };
}

export const USER_PROPERTIES = properties(USER);
export const GROUP_PROPERTIES = properties(GROUP);

/** What `GET /users/{id}` returns without $select, in Graph's order. */
export const USER_DEFAULTS = `businessPhones displayName givenName jobTitle mail mobilePhone officeLocation
  preferredLanguage surname userPrincipalName id`.split(/\s+/);

/** What `GET /groups/{id}` returns without $select, in Graph's order. */
export const GROUP_DEFAULTS = `id deletedDateTime classification createdDateTime creationOptions description
  displayName expirationDateTime groupTypes isAssignableToRole mail mailEnabled mailNickname
  membershipRule membershipRuleProcessingState onPremisesDomainName onPremisesLastSyncDateTime
  onPremisesNetBiosName onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
  preferredDataLocation preferredLanguage proxyAddresses renewedDateTime resourceBehaviorOptions
  resourceProvisioningOptions securityEnabled securityIdentifier theme uniqueName visibility
  onPremisesProvisioningErrors serviceProvisioningErrors`.split(/\s+/);
