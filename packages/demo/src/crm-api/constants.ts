/** The CRM's seeded customers; the load generator picks ids from this range. */
export const SEEDED_CUSTOMERS = 500;
export const SEGMENTS = ['enterprise', 'mid-market', 'small-business', 'public-sector'];
export const CONTACT_KINDS = ['call', 'email', 'meeting', 'visit'];
