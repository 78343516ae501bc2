export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is behind a request or a socket, after the token was checked. */
export interface SessionUser {
  id: number;
  username: string;
  role: Role;
  advisorId: number | null;
  tokenId: number;
  /** When the token stops being valid (ISO); a desktop socket opened with it is closed then. */
  expiresAt?: string;
}
