// Advisors this server is ringing right now, across its nodes. Routing treats them as
// ringing before Asterisk's device state says so (no advisor is rung twice at once), and
// releasing one lets waiting callers have them at once.
export class AdvisorReservations {
  private readonly held = new Set<number>();

  constructor(private readonly onRelease: (advisorId: number) => void) {}

  add(advisorId: number): void {
    this.held.add(advisorId);
  }

  has(advisorId: number): boolean {
    return this.held.has(advisorId);
  }

  delete(advisorId: number): void {
    if (this.held.delete(advisorId)) this.onRelease(advisorId);
  }

  ids(): Iterable<number> {
    return this.held.values();
  }
}
